/**
 * \file
 * nxd_pop3_client.h — the NetX Duo POP3 Client API, on the host, over pop3::engine.
 *
 * Same names, argument order, types, status values and configuration macros as the NetX Duo
 * POP3 Client (addons/pop3/nxd_pop3_client.h), so that an application written against its
 * documentation builds unchanged. The behaviour is the documented one, with the original's
 * bugs fixed (each fix is noted below, "Fixed:").
 *
 * Services (each name maps to `_nxe_...` — or to `_nx_...` / `_nxd_...` when
 * NX_DISABLE_ERROR_CHECKING is defined — exactly as in NetX; each is documented on its
 * `_nxe_` form):
 * - nx_pop3_client_create / nxd_pop3_client_create: connect, greeting, APOP or USER/PASS
 * - nx_pop3_client_mail_items_get: STAT
 * - nx_pop3_client_mail_item_size_get: LIST n
 * - nx_pop3_client_mail_item_get: RETR n
 * - nx_pop3_client_mail_item_message_get: the message, packet by packet
 * - nx_pop3_client_mail_item_delete: DELE n
 * - nx_pop3_client_quit: QUIT
 * - nx_pop3_client_delete: close and clean up
 *
 * Message data (nx_pop3_client_mail_item_message_get):
 * By default each packet holds the bytes the server sent after the RETR status line, as the
 * original hands them out: dot-stuffing intact ("..x" stays "..x") and the terminator
 * CRLF.CRLF at the end of the final packet, never split across two packets. A final packet
 * that holds nothing but terminator bytes (CRLF.CRLF, or .CRLF for an empty message) reports
 * 0 bytes_retrieved. Packets are at most the pool's payload size. (Such a packet still has
 * its nx_packet_length of 5, or 3.) message_get hands out the data already received without
 * waiting to fill a packet, except bytes that may be the start of the terminator.
 *
 * Define NX_POP3_CLIENT_DECODED_BODY before including this header to get the message itself
 * instead: dot-unstuffed, without the terminator's .CRLF (the last line keeps its CRLF; the
 * final packet may then hold 0 bytes).
 *
 * Fixed: replies split across or coalesced within TCP segments are handled; the terminator
 * is found wherever the segments split it, and a ".." line split across segments is data.
 *
 * Reconnection: after nx_pop3_client_quit(), or when the connection was lost, the next
 * nx_pop3_client_mail_items_get() connects and logs in again with the stored server address
 * and credentials (the manual's "check for new mail later"); the other services return
 * NX_NOT_CONNECTED until then. The connection counts as lost after a reply that breaks the
 * protocol (NX_POP3_SERVER_ERROR_STATUS for, e.g., "+OK 4" to STAT — a plain -ERR keeps it)
 * and after a command's reply timed out (NX_NO_PACKET); a timeout inside a message does not
 * end it.
 *
 * Commands need a packet, as in the original: each one allocates a packet of the client's pool
 * (waiting NX_POP3_CLIENT_PACKET_TIMEOUT) and gives NX_POP3_INSUFFICIENT_PACKET_PAYLOAD if
 * the TCP/IP header room (NX_IPv4_TCP_PACKET = 56, or NX_IPv6_TCP_PACKET = 76) plus the
 * command with its CRLF is not less than the pool's payload size.
 *
 * Limits: at most 65536 messages in a maildrop (a larger STAT count is
 * NX_POP3_SERVER_ERROR_STATUS); reply lines of at most 512 octets (RFC 1939).
 *
 * Memory: apart from the caller's packet pool and the NX_POP3_CLIENT object, the client
 * allocates one fixed block per connection (the protocol engine's buffers, about 15 KiB) and
 * nothing per message. One thread per client.
 *
 * The configuration macros below are read when the library is compiled (as NetX compiles
 * nxd_pop3_client.c with the application's settings): to change them, build pop3::netx with
 * the same definitions (CMake: POP3_NETX_DEFINITIONS).
 */
#ifndef NXD_POP3_CLIENT_H
#define NXD_POP3_CLIENT_H

#include "nx_api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status values --------------------------------------------------------------------- */
#define NX_POP3_CLIENT_ERROR_CONSTANT 0xB0       /**< the base of the values below */
#define NX_POP3_PARAM_ERROR 0xB1                 /**< invalid parameter to create */
#define NX_POP3_INVALID_MAIL_ITEM 0xB2           /**< index above the maildrop's size */
#define NX_POP3_APOP_FAILED_MD5_DIGEST 0xB3      /**< (never returned, as in the original) */
#define NX_POP3_SERVER_ERROR_STATUS 0xB4         /**< -ERR, or a malformed reply */
#define NX_POP3_MAIL_BUFFER_OVERFLOW 0xB5        /**< (never returned, as in the original) */
#define NX_POP3_INSUFFICIENT_PACKET_PAYLOAD 0xB6 /**< a command does not fit a packet */
#define NX_POP3_CLIENT_INVALID_STATE 0xB7        /**< message_get without a RETR in progress */
#define NX_POP3_CLIENT_INVALID_INDEX 0xB8        /**< mail index 0 */

/* ---- Configuration (ticks of NX_IP_PERIODIC_RATE per second) ----------------------------
 * The host rounds a wait up to whole milliseconds: NX_NO_WAIT (0) is the shortest wait, 1 ms,
 * and NX_WAIT_FOREVER waits without limit. */
#ifndef NX_POP3_CLIENT_PACKET_TIMEOUT
#define NX_POP3_CLIENT_PACKET_TIMEOUT (1 * NX_IP_PERIODIC_RATE) /**< wait for a free packet */
#endif
#ifndef NX_POP3_TCP_SOCKET_SEND_WAIT
#define NX_POP3_TCP_SOCKET_SEND_WAIT (10 * NX_IP_PERIODIC_RATE) /**< unused on the host */
#endif
#ifndef NX_POP3_CLIENT_CONNECTION_TIMEOUT
#define NX_POP3_CLIENT_CONNECTION_TIMEOUT (30 * NX_IP_PERIODIC_RATE) /**< bound on connecting */
#endif
#ifndef NX_POP3_CLIENT_DISCONNECT_TIMEOUT
#define NX_POP3_CLIENT_DISCONNECT_TIMEOUT (10 * NX_IP_PERIODIC_RATE) /**< unused on the host */
#endif
#ifndef NX_POP3_SERVER_REPLY_TIMEOUT
#define NX_POP3_SERVER_REPLY_TIMEOUT (10 * NX_IP_PERIODIC_RATE) /**< each receive, body too */
#endif
#ifndef NX_POP3_MAX_USERNAME
#define NX_POP3_MAX_USERNAME 40 /**< longest user name, in bytes */
#endif
#ifndef NX_POP3_MAX_PASSWORD
#define NX_POP3_MAX_PASSWORD 20 /**< longest password, in bytes */
#endif
#ifndef NX_POP3_CLIENT_TCP_WINDOW_SIZE
#define NX_POP3_CLIENT_TCP_WINDOW_SIZE 1460 /**< NetX's TCP window (unused on the host) */
#endif
#ifndef NX_POP3_CLIENT_MAIL_BUFFER_SIZE
#define NX_POP3_CLIENT_MAIL_BUFFER_SIZE 2000 /**< unused, as in the original */
#endif

/* ---- Protocol constants (as in the original) ------------------------------------------- */
#define NX_POP3_MAX_BINARY_MD5 16         /**< bytes of an MD5 digest */
#define NX_POP3_MAX_ASCII_MD5 32          /**< hex digits of an MD5 digest */
#define NX_POP3_SERVER_PROCESS_ID_SIZE 75 /**< longest APOP timestamp kept */
#define NX_POP3_MAX_SERVER_REPLY 512      /**< longest reply line (RFC 1939) */
#define NX_POP3_MAX_CLIENT_COMMAND 150    /**< the original's command buffer (unused here) */

#define NX_POP3_POSITIVE_STATUS "+OK"      /**< the positive status indicator */
#define NX_POP3_NEGATIVE_STATUS "-ERR"     /**< the negative status indicator */
#define NX_POP3_COMMAND_TERMINATION "\r\n" /**< CRLF, which ends every line */
#define NX_POP3_END_OF_MESSAGE_TAG ".\r\n" /**< the terminator's last line */
#define NX_POP3_DOT "."                    /**< the dot of dot-stuffing */
#define NX_POP3_END_OF_MESSAGE "\r\n.\r\n" /**< the terminator with the CRLF before it */

#define NX_POP3_CODE_INVALID 0 /**< a reply that is neither +OK nor -ERR */
#define NX_POP3_CODE_OK 1      /**< +OK */
#define NX_POP3_CODE_ERR 2     /**< -ERR */

/** \name Command names
 *  The keywords of the original's commands (and "GREETING" for the server's first line). */
/** @{ */
#define NX_POP3_COMMAND_GREETING "GREETING" /**< a command keyword, as in the original */
#define NX_POP3_COMMAND_USER "USER"
#define NX_POP3_COMMAND_APOP "APOP"
#define NX_POP3_COMMAND_PASS "PASS"
#define NX_POP3_COMMAND_STAT "STAT"
#define NX_POP3_COMMAND_RETR "RETR"
#define NX_POP3_COMMAND_DELE "DELE"
#define NX_POP3_COMMAND_QUIT "QUIT"
#define NX_POP3_COMMAND_LIST "LIST"
#define NX_POP3_COMMAND_RSET "RSET"
#define NX_POP3_COMMAND_NOOP "NOOP"
/** @} */

/** MD5 context, kept for the layout of NX_POP3_CLIENT (the digest is computed elsewhere). */
typedef struct NX_MD5_STRUCT {
  ULONG nx_md5_states[4];    /**< unused */
  ULONG nx_md5_bit_count[2]; /**< unused */
  UCHAR nx_md5_buffer[64];   /**< unused */
} NX_MD5;

/** The client, allocated by the caller. The fields up to nx_pop3_client_message_ptr are the
    original's, in its order, and kept up to date for applications that read them; the host
    fields after them belong to the implementation. */
typedef struct NX_POP3_CLIENT_STRUCT {
  CHAR nx_pop3_client_name[NX_POP3_MAX_USERNAME + 1];     /**< the user name (NUL-terminated) */
  CHAR nx_pop3_client_password[NX_POP3_MAX_PASSWORD + 1]; /**< the password (NUL-terminated) */
  NX_TCP_SOCKET nx_pop3_client_tcp_socket;                /**< unused on the host */
  NX_PACKET_POOL* nx_pop3_client_packet_pool_ptr;         /**< the pool given to create */
  /** NX_TRUE to try APOP; cleared when the greeting has no usable timestamp. */
  UINT nx_pop3_client_enable_APOP_authentication;
  UINT nx_pop3_client_mail_status;         /**< unused */
  UINT nx_pop3_client_maildrop_items;      /**< from the last STAT */
  UINT nx_pop3_client_maildrop_index;      /**< unused */
  ULONG nx_pop3_client_total_message_size; /**< from the last STAT */
  UINT nx_pop3_client_ready_to_download;   /**< TRUE between RETR's +OK and the final packet */
  CHAR nx_pop3_server_process_id[NX_POP3_SERVER_PROCESS_ID_SIZE + 1]; /**< APOP timestamp */
  NX_MD5 nx_pop3_client_md5data;                                      /**< unused */
  NX_PACKET* nx_pop3_client_message_ptr; /**< always NULL: data waits in the engine */
  ULONG nx_pop3_client_host_id;          /**< host: set while created */
  VOID* nx_pop3_client_host_state;       /**< host: the connection and the engine */
} NX_POP3_CLIENT;

/* ---- Service name mapping (as in NetX) ------------------------------------------------- */
/** \name Service names
 *  What applications call. Each name maps to the checking form (`_nxe_...`, `_nxde_...`),
 *  or to the unchecked form (`_nx_...`, `_nxd_...`) when NX_DISABLE_ERROR_CHECKING is
 *  defined. */
/** @{ */
/** A service name: see its `_nxe_` form (the `_nx_` form when NX_DISABLE_ERROR_CHECKING is
    defined; the `_decoded_` forms of nx_pop3_client_mail_item_get when
    NX_POP3_CLIENT_DECODED_BODY is). */
#ifndef NX_POP3_CLIENT_SOURCE_CODE
#ifdef NX_DISABLE_ERROR_CHECKING
#define nx_pop3_client_create _nx_pop3_client_create
#define nxd_pop3_client_create _nxd_pop3_client_create
#define nx_pop3_client_mail_items_get _nx_pop3_client_mail_items_get
#define nx_pop3_client_mail_item_size_get _nx_pop3_client_mail_item_size_get
#ifdef NX_POP3_CLIENT_DECODED_BODY
#define nx_pop3_client_mail_item_get _nx_pop3_client_mail_item_decoded_get
#else
#define nx_pop3_client_mail_item_get _nx_pop3_client_mail_item_get
#endif
#define nx_pop3_client_mail_item_message_get _nx_pop3_client_mail_item_message_get
#define nx_pop3_client_mail_item_delete _nx_pop3_client_mail_item_delete
#define nx_pop3_client_quit _nx_pop3_client_quit
#define nx_pop3_client_delete _nx_pop3_client_delete
#else
#define nx_pop3_client_create _nxe_pop3_client_create
#define nxd_pop3_client_create _nxde_pop3_client_create
#define nx_pop3_client_mail_items_get _nxe_pop3_client_mail_items_get
#define nx_pop3_client_mail_item_size_get _nxe_pop3_client_mail_item_size_get
#ifdef NX_POP3_CLIENT_DECODED_BODY
#define nx_pop3_client_mail_item_get _nxe_pop3_client_mail_item_decoded_get
#else
#define nx_pop3_client_mail_item_get _nxe_pop3_client_mail_item_get
#endif
#define nx_pop3_client_mail_item_message_get _nxe_pop3_client_mail_item_message_get
#define nx_pop3_client_mail_item_delete _nxe_pop3_client_mail_item_delete
#define nx_pop3_client_quit _nxe_pop3_client_quit
#define nx_pop3_client_delete _nxe_pop3_client_delete
#endif
#endif
/** @} */

/* ---- Services -------------------------------------------------------------------------
   _nxe_ (checking) forms check their pointers first (NX_PTR_ERROR), then their parameters;
   the _nx_ forms skip those checks. Each service is a Doxygen member group: its _nx_ form
   shares the documentation of its _nxe_ form. */

/** \name nx_pop3_client_create() */
/** @{ */
/** Creates the client and logs in: connects to server_ip_address (host byte order, such as
   IP_ADDRESS(127,0,0,1)):server_port within NX_POP3_CLIENT_CONNECTION_TIMEOUT, reads the
   greeting, then logs in with APOP if APOP_authentication is true and the greeting carries a
   valid timestamp (a strict RFC 5322 msg-id; Fixed: a stamp without ">" or with other
   octets is not used), falling back to USER/PASS on the same connection if the server
   answers -ERR to APOP; otherwise with USER/PASS.
   Returns NX_SUCCESS (logged in); NX_PTR_ERROR (NULL pointer); NX_POP3_PARAM_ERROR (ip_ptr
   not created, address 0, port 0 or above 65535, client_name longer than NX_POP3_MAX_USERNAME,
   client_password longer than NX_POP3_MAX_PASSWORD, a CR, LF or NUL in either);
   NX_NOT_ENABLED (nx_tcp_enable not called); NX_NOT_CONNECTED (connection refused, lost or
   timed out); NX_NO_PACKET (no reply within NX_POP3_SERVER_REPLY_TIMEOUT, or no packet for a
   command); NX_POP3_INSUFFICIENT_PACKET_PAYLOAD (a command does not fit the pool's packets);
   NX_POP3_SERVER_ERROR_STATUS (-ERR to the greeting, USER or PASS — Fixed: a rejected PASS
   is an error — or a malformed reply). On failure the connection is closed; call
   nx_pop3_client_delete() anyway (it is always safe). */
UINT _nxe_pop3_client_create(NX_POP3_CLIENT* client_ptr, UINT APOP_authentication, NX_IP* ip_ptr,
                             NX_PACKET_POOL* packet_pool_ptr, ULONG server_ip_address,
                             ULONG server_port, CHAR* client_name, CHAR* client_password);
UINT _nx_pop3_client_create(NX_POP3_CLIENT* client_ptr, UINT APOP_authentication, NX_IP* ip_ptr,
                            NX_PACKET_POOL* packet_pool_ptr, ULONG server_ip_address,
                            ULONG server_port, CHAR* client_name, CHAR* client_password);
/** @} */

/** \name nxd_pop3_client_create() */
/** @{ */
/** As nx_pop3_client_create for an IPv4 or IPv6 address. NX_POP3_PARAM_ERROR also for an
   address whose version is neither NX_IP_VERSION_V4 nor NX_IP_VERSION_V6. */
UINT _nxde_pop3_client_create(NX_POP3_CLIENT* client_ptr, UINT APOP_authentication, NX_IP* ip_ptr,
                              NX_PACKET_POOL* packet_pool_ptr, NXD_ADDRESS* server_duo_address,
                              ULONG server_port, CHAR* client_name, CHAR* client_password);
UINT _nxd_pop3_client_create(NX_POP3_CLIENT* client_ptr, UINT APOP_authentication, NX_IP* ip_ptr,
                             NX_PACKET_POOL* packet_pool_ptr, NXD_ADDRESS* server_duo_address,
                             ULONG server_port, CHAR* client_name, CHAR* client_password);
/** @} */

/** \name nx_pop3_client_mail_items_get() */
/** @{ */
/** STAT: the number of messages and their total size. Reconnects and logs in again first if
   the client quit or lost its connection. Sets both outputs (0 unless NX_SUCCESS) and
   remembers the count, which size_get, item_get and delete check indexes
   against. NX_SUCCESS; NX_PTR_ERROR; NX_POP3_SERVER_ERROR_STATUS (-ERR or malformed);
   NX_NO_PACKET (timeout, no packet for the command); NX_NOT_CONNECTED; and the create
   errors when it had to reconnect. */
UINT _nxe_pop3_client_mail_items_get(NX_POP3_CLIENT* client_ptr, UINT* number_mail_items,
                                     ULONG* maildrop_total_size);
UINT _nx_pop3_client_mail_items_get(NX_POP3_CLIENT* client_ptr, UINT* number_mail_items,
                                    ULONG* maildrop_total_size);
/** @} */

/** \name nx_pop3_client_mail_item_size_get() */
/** @{ */
/** LIST mail_item: the size of one message (*size is 0 unless NX_SUCCESS).
   NX_POP3_CLIENT_INVALID_INDEX (0, checking form); NX_POP3_INVALID_MAIL_ITEM (above the last
   STAT's count, before any I/O: call mail_items_get first); NX_POP3_SERVER_ERROR_STATUS;
   NX_NO_PACKET; NX_NOT_CONNECTED; NX_PTR_ERROR. */
UINT _nxe_pop3_client_mail_item_size_get(NX_POP3_CLIENT* client_ptr, UINT mail_item, ULONG* size);
UINT _nx_pop3_client_mail_item_size_get(NX_POP3_CLIENT* client_ptr, UINT mail_item, ULONG* size);
/** @} */

/** \name nx_pop3_client_mail_item_get() */
/** @{ */
/** RETR mail_item: starts the download; the data then comes from message_get. *item_size is
   the size the server announced in its +OK ("+OK 120 octets" -> 120; 0 if none).
   Same errors as size_get. A download still in progress is dropped first (Fixed: no leaked
   packet, no desynchronised replies). The `_decoded_` forms hand out the message dot-unstuffed
   and without the terminator (see NX_POP3_CLIENT_DECODED_BODY above). */
UINT _nxe_pop3_client_mail_item_get(NX_POP3_CLIENT* client_ptr, UINT mail_item, ULONG* item_size);
UINT _nx_pop3_client_mail_item_get(NX_POP3_CLIENT* client_ptr, UINT mail_item, ULONG* item_size);
UINT _nxe_pop3_client_mail_item_decoded_get(NX_POP3_CLIENT* client_ptr, UINT mail_item,
                                            ULONG* item_size);
UINT _nx_pop3_client_mail_item_decoded_get(NX_POP3_CLIENT* client_ptr, UINT mail_item,
                                           ULONG* item_size);
/** @} */

/** \name nx_pop3_client_mail_item_message_get() */
/** @{ */
/** The next packet of the message being downloaded. On NX_SUCCESS *recv_packet_ptr is a
   packet of the client's pool that the caller must release with nx_packet_release (also when
   *bytes_retrieved is 0), *bytes_retrieved is its length (0 for a final packet holding only
   terminator bytes), and *final_packet is NX_TRUE for the last one. Outputs are zeroed first.
   NX_POP3_CLIENT_INVALID_STATE (no download in progress); NX_NO_PACKET (no free packet
   within NX_POP3_CLIENT_PACKET_TIMEOUT, or no data within NX_POP3_SERVER_REPLY_TIMEOUT: the
   download stays in progress and the call may be repeated); NX_NOT_CONNECTED or
   NX_POP3_SERVER_ERROR_STATUS (the connection was lost or the server broke the protocol in
   the middle of the message: the download ends); NX_PTR_ERROR. */
UINT _nxe_pop3_client_mail_item_message_get(NX_POP3_CLIENT* client_ptr, NX_PACKET** recv_packet_ptr,
                                            ULONG* bytes_retrieved, UINT* final_packet);
UINT _nx_pop3_client_mail_item_message_get(NX_POP3_CLIENT* client_ptr, NX_PACKET** recv_packet_ptr,
                                           ULONG* bytes_retrieved, UINT* final_packet);
/** @} */

/** \name nx_pop3_client_mail_item_delete() */
/** @{ */
/** DELE mail_index: marks a message deleted (QUIT commits). A download in progress is
   dropped first. NX_POP3_CLIENT_INVALID_INDEX (0, checking form); NX_POP3_INVALID_MAIL_ITEM
   (Fixed: above the last STAT's count, like LIST and RETR); NX_POP3_SERVER_ERROR_STATUS;
   NX_NO_PACKET; NX_NOT_CONNECTED; NX_PTR_ERROR. */
UINT _nxe_pop3_client_mail_item_delete(NX_POP3_CLIENT* client_ptr, UINT mail_index);
UINT _nx_pop3_client_mail_item_delete(NX_POP3_CLIENT* client_ptr, UINT mail_index);
/** @} */

/** \name nx_pop3_client_quit() */
/** @{ */
/** QUIT: the server deletes the marked messages and closes; the connection is closed here
   too. The client stays usable: mail_items_get reconnects. NX_SUCCESS (+OK);
   NX_POP3_SERVER_ERROR_STATUS (-ERR: deletions may be incomplete); NX_NO_PACKET;
   NX_NOT_CONNECTED; NX_PTR_ERROR. */
UINT _nxe_pop3_client_quit(NX_POP3_CLIENT* client_ptr);
UINT _nx_pop3_client_quit(NX_POP3_CLIENT* client_ptr);
/** @} */

/** \name nx_pop3_client_delete() */
/** @{ */
/** Closes the connection without QUIT (marked messages stay), frees the connection's memory
   and zeroes the client. Always NX_SUCCESS (NX_PTR_ERROR for NULL in the checking form);
   safe after a failed create, after quit, and twice. It does not delete the packet pool, and
   packets the application still holds stay valid until it releases them. */
UINT _nxe_pop3_client_delete(NX_POP3_CLIENT* client_ptr);
UINT _nx_pop3_client_delete(NX_POP3_CLIENT* client_ptr);
/** @} */

/** Internal in the original but declared in its header (its test [T4] calls the tokenizer):
   copies the argument_index-th space-separated token (1 = the status indicator) of
   buffer[0, buffer_length) into argument, at most argument_length - 1 bytes plus a NUL
   (Fixed: always terminated, never reads or writes outside the two buffers). A CR or LF ends
   the scan; convert_to_uppercase upper-cases the copy; include_crlf is ignored. */
VOID _nx_pop3_parse_response(CHAR* buffer, UINT argument_index, UINT buffer_length, CHAR* argument,
                             UINT argument_length, UINT convert_to_uppercase, UINT include_crlf);

#ifdef __cplusplus
}
#endif

#endif /* NXD_POP3_CLIENT_H */
