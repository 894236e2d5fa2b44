#!/bin/sh
# Regenerates the seed corpora in fuzz/corpus/<target>/ from the engine transcripts
# (tests/transcripts/sessions: the server's lines) and hand-written cases, among them the
# hostile ones of security-cases.md. Each seed starts with the header its target reads (see
# the comment at the top of each *_fuzzer.cpp). Run from anywhere; it replaces the generated
# seeds but keeps corpus/<target>/regression-NAME, the inputs that once crashed a target, and
# corpus/<target>/found-SHA1, the units long fuzzing runs found and merged in (see docs/fuzzing.md).
set -eu
cd "$(dirname "$0")"
exec python3 - <<'EOF'
import base64, hashlib, os, re, shutil

def unescape(line):
    return re.sub(rb'\\(x[0-9A-Fa-f]{2}|r|n|t|\\)',
                  lambda m: {b'r': b'\r', b'n': b'\n', b't': b'\t', b'\\': b'\\'}.get(
                      m.group(1), bytes([int(m.group(1)[1:], 16)]) if m.group(1)[:1] == b'x'
                      else m.group(1)), line)

def server_bytes(path):
    out = b''
    for raw in open(path, 'rb').read().split(b'\n'):
        if raw.startswith(b'S: ') or raw == b'S:':
            out += unescape(raw[3:]) + b'\r\n'
    return out

corpora = {}
def seed(target, data):
    corpora.setdefault(target, []).append(data)

CR = b'\r\n'
def lines(*ls):
    return b''.join(l + CR for l in ls)

# reply_fuzzer: [scenario, message, 4 piece sizes] + server bytes
whole, bytewise = bytes([0, 0, 0, 0]), bytes([1, 1, 1, 1])
transcripts = '../tests/transcripts/sessions'
for name in sorted(os.listdir(transcripts)):
    seed('reply_fuzzer', bytes([0, 1]) + whole + server_bytes(os.path.join(transcripts, name)))
replies = {
    0: [lines(b'+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>'), lines(b'-ERR [SYS/TEMP] busy'),
        b'+OK\n', lines(b'+OKAY'), lines(b'+OK ' + b'x' * 200), lines(b'+OK ready', b'+OK injected')],
    1: [lines(b'+OK', b'+OK logged in'), lines(b'+OK', b'-ERR [AUTH] bad password'),
        lines(b'+OK', b'-ERR [IN-USE] locked'), lines(b'+OK', b'-ERR [LOGIN-DELAY] wait')],
    2: [lines(b'+OK 2 320'), lines(b'+OK 4294967296 1'), lines(b'+OK 2'), lines(b'+OK -1 5')],
    3: [lines(b'+OK 2 messages', b'1 120', b'2 200', b'.'), lines(b'+OK', b'1 1', b'1 1', b'.'),
        lines(b'+OK', b'0 5', b'.'), lines(b'+OK', b'1 99999999999999999999999', b'.')],
    4: [lines(b'+OK 1 120'), lines(b'+OK 2 120'), lines(b'-ERR no such message')],
    5: [lines(b'+OK', b'1 whqtswO00WBw418f9t5JxYwZ', b'2 QhdPYR:00WBw1Ph7x7', b'.'),
        lines(b'+OK', b'1 ' + b'u' * 71, b'.'), lines(b'+OK', b'1 bad\x7fuid', b'.')],
    6: [lines(b'+OK 1 whqtswO00WBw418f9t5JxYwZ'), lines(b'+OK 1')],
    7: [lines(b'+OK 12 octets', b'hello', b'..dot', b'', b'.'), b'+OK\r\nno terminator\r\n',
        lines(b'+OK', b'line\rwith bare CR', b'lf\n.dot', b'.')],
    8: [lines(b'+OK', b'Subject: x', b'', b'.')],
    9: [lines(b'+OK', b'TOP', b'UIDL', b'SASL PLAIN LOGIN', b'RESP-CODES', b'PIPELINING',
              b'STLS', b'EXPIRE 31', b'LOGIN-DELAY 900', b'IMPLEMENTATION x', b'.')],
    10: [lines(b'+OK begin TLS', b'+OK', b'STLS', b'.'), lines(b'+OK begin TLS', b'+OK injected'),
         lines(b'-ERR no TLS')],
    11: [lines(b'+ ', b'+ dGVzdA==', b'+OK'), lines(b'+ VXNlcm5hbWU6', b'+ UGFzc3dvcmQ6', b'+OK'),
         lines(b'+', b'-ERR [AUTH] no'), lines(b'+ ' + b'A' * 300)],
    12: [server_bytes(os.path.join(transcripts, 'pipelined.txt')).split(CR, 1)[1]],
    13: [lines(b'+OK', b'en English', b'de Deutsch', b'.')],
    14: [lines(b'+OK bye'), b''],
}
for scenario, cases in replies.items():
    for data in cases:
        seed('reply_fuzzer', bytes([scenario, len(data) % 3]) + (bytewise if len(data) % 2 else whole) + data)

# body_fuzzer: [mode, 4 piece sizes] + data
bodies = [lines(b'..hidden line', b'..', b'...', b'.. space after dot', b'.x', b'normal', b'.'),
          lines(b'bare\rCR and bare\nLF', b'lf then dot\n.kept', b'ends with CR\r', b'.'),
          lines(b'.'), b'no terminator', lines(b'x' * 600, b'.')]
for data in bodies:
    for mode in (0, 2):
        seed('body_fuzzer', bytes([mode]) + bytes([3, 1, 7, 0]) + data)
originals = [lines(b'.hidden', b'.', b'..', b'normal', b''), b'.\r\n.\r\n', b'',
             b'no final CRLF', b'bare\rCR\nLF\r\n.x\r', b'\x00\xff' * 40]
for data in originals:
    for mode in (1, 3):
        seed('body_fuzzer', bytes([mode]) + bytes([2, 5, 1, 0]) + data)

# capa_fuzzer: [mode, 4 piece sizes] + reply
capa = server_bytes(os.path.join(transcripts, 'capa.txt'))
for block in re.findall(rb'\+OK\r\n(?:(?!\.\r\n).*\r\n)*?\.\r\n', capa):
    seed('capa_fuzzer', bytes([2]) + whole + block)
for data in [lines(b'SASL ' + b'M ' * 1100, b'.'), lines(b'EXPIRE NEVER', b'EXPIRE 99999999999', b'.'),
             lines(b'LOGIN-DELAY x', b'.'), lines(b'A', b'B', b'C', b'D', b'E', b'F', b'G', b'H', b'I', b'.'),
             b'-ERR no CAPA\r\n']:
    seed('capa_fuzzer', bytes([1]) + bytes([1, 2, 3, 0]) + data)

# listing_fuzzer: [command, n, stat, 4 piece sizes] + reply
listings = [(0, lines(b'+OK 2 320')), (1, lines(b'+OK', b'1 120', b'2 200', b'.')),
            (2, lines(b'+OK 1 120')), (3, lines(b'+OK', b'1 abc', b'2 def', b'.')),
            (4, lines(b'+OK 1 abc')), (1, lines(b'+OK', b'3 1', b'.')),
            (3, lines(b'+OK', b'1 a', b'1 b', b'.')), (4, lines(b'+OK 2 abc'))]
for which, data in listings:
    seed('listing_fuzzer', bytes([which, 0, 0x12]) + whole + data)
    seed('listing_fuzzer', bytes([which, 0, 0]) + bytewise + data)
for which, data in [(1, server_bytes(os.path.join(transcripts, 'listings.txt')))]:
    seed('listing_fuzzer', bytes([which, 0, 0]) + whole + data)

# apop_fuzzer: [mode, 4 piece sizes] + greeting text
for text in [b'POP3 ready <1896.697170952@dbc.mtview.ca.us>', b'<"quoted\\"id"@host>',
             b'<a@[127.0.0.1]>', b'<a@b>', b'<>', b'<no-at>', b'<a b@c>', b'<a@b', b'<a..b@c>',
             b'<\xc3\xa9@x>', b'text <a@b> <c@d>', b'<"a>b"@c>', b'<a@b@c>', b'<@b>']:
    seed('apop_fuzzer', bytes([1]) + whole + text)

# sasl_fuzzer: [mechanism, flags, corrupt_at] + length-prefixed challenges
def challenges(*cs):
    return b''.join(bytes([len(c)]) + c for c in cs)
b64 = base64.b64encode
seed('sasl_fuzzer', bytes([0, 0, 0]) + challenges(b''))
seed('sasl_fuzzer', bytes([1, 4, 0]) + challenges(b64(b'Username:'), b64(b'Password:')))
seed('sasl_fuzzer', bytes([2, 4, 0]) + challenges(b64(b'<1896.697170952@postoffice.reston.mci.net>')))
for mech in (3, 4):
    seed('sasl_fuzzer', bytes([mech, 8 | 16, 0]))
    seed('sasl_fuzzer', bytes([mech, 8 | 16 | 32, 7]))
    seed('sasl_fuzzer', bytes([mech, 8 | 1, 0]) + challenges(b'v=AAAA', b''))
    seed('sasl_fuzzer', bytes([mech, 2, 0]) + challenges(
        b'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=16', b'e=invalid-proof'))
seed('sasl_fuzzer', bytes([5, 4, 0]) + challenges(b64(b'{"status":"401","schemes":"bearer"}'), b''))
seed('sasl_fuzzer', bytes([6, 2, 0]) + challenges(b'{"status":"invalid_token"}', b''))
seed('sasl_fuzzer', bytes([7, 1, 0]) + challenges(b''))

# config_fuzzer: [mode] + TOML
example = b'''[defaults]
tls = "implicit"
keep = false
only_new = true
pipelining = "auto"
timeout = 60
line_ending = "lf"

[accounts.work]
host = "pop.example.org"
user = "alice@example.org"
auth = "scram-sha-256"
password_command = "pass show mail/work"
maildir = "~/Mail/work"
keep_days = 14
max_size = "25M"
max_size_action = "skip"

[accounts.home]
host = "mail.example.net"
tls = "starttls"                # port 110
user = "alice"
password_file = "~/.config/pop3/home.password"
mbox = "/var/mail/alice"
pins = ["sha256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="]
'''
for data in [example, b'[accounts.a]\nhost = "h"\nuser = "u"\nmaildir = "m"\n',
             b'[accounts.a]\nhost = "h"\nuser = "u"\nmaildir = "m"\nmbox = "x"\n',
             b'[accounts.a]\nhost = "h"\nuser = "u"\nmda = "procmail"\npassword = "s3cret"\nport = 70000\n',
             b'[accounts."my mail"]\nhost = "h"\nauth = "external"\ncert = "c"\nkey = "k"\nmaildir = "m"\n',
             b'[accounts.a]\nhost = "h\n', b'x = 1\n']:
    seed('config_fuzzer', bytes([0]) + data)
    seed('config_fuzzer', bytes([1]) + data)

# delivery_fuzzer: [conversions, 4 chunk sizes] + message
mail = (b'From: a@example.org\r\nSubject: From lines\r\n\r\nFrom here on\r\n>From quoted\r\n'
        b'>>From twice\r\n>>>>From \r\nFrom\r\nFrom:\r\n>From\tx\r\n>\r\nbare\rCR\r\rCRCRLF\r\r\n'
        b'lf only\nFrom after LF\n\nlast line without end\r')
for conversions in range(4):
    for sizes in [whole, bytewise, bytes([3, 1, 2, 5]), bytes([6, 5, 4, 255])]:
        seed('delivery_fuzzer', bytes([conversions]) + sizes + mail)
    seed('delivery_fuzzer', bytes([conversions, 1, 2, 3, 0]) + b'>' * 300 + b'From x\r\n')
    seed('delivery_fuzzer', bytes([conversions]) + whole)

# packet_fuzzer: [mode, N, N split sizes, 4 packet capacities] + body or raw RETR reply
bodies = [b'', b'hello', b'.', b'..', b'Subject: x\r\n\r\n.\r\n..\r\nend',
          b'line\r\n.\r', b'a\r\n\r\n.\r\n', b'x' * 600 + b'\r\n.' + b'y' * 300]
for mode in (0, 1):
    for body in bodies:
        seed('packet_fuzzer', bytes([mode, 0, 0, 0, 0, 0]) + body)
        seed('packet_fuzzer', bytes([mode, 3, 1, 2, 5, 0, 1, 2, 3]) + body)
for raw in [b'+OK\r\nabc\r\n.\r\n', b'+OK\r\n.\r\n', b'-ERR no such message\r\n',
            b'+OK\r\nunterminated\r\n', b'+OK\r\n\r\n.\r\n+OK extra\r\n']:
    for mode in (2, 3):
        seed('packet_fuzzer', bytes([mode, 1, 1, 0, 0, 0, 0]) + raw)

for target, datas in corpora.items():
    directory = os.path.join('corpus', target)
    os.makedirs(directory, exist_ok=True)
    # Inputs kept from crashes (regression-*) and from fuzzing (found-*) stay; the generated
    # seeds are replaced.
    for name in os.listdir(directory):
        if not name.startswith(('regression-', 'found-')):
            os.remove(os.path.join(directory, name))
    for data in datas:
        with open(os.path.join(directory, hashlib.sha1(data).hexdigest()), 'wb') as f:
            f.write(data)
EOF
