# bash completion for pop3(1).
# Installed as share/bash-completion/completions/pop3, where bash-completion loads it on
# demand; it can also be sourced directly. It needs nothing from bash-completion itself.
# The lists below mirror apps/pop3/main.cpp; tests/install/completion_bash_test.sh and the
# option check of the man page test keep them from falling behind the program.

_pop3_commands="capa serverinfo stat list uidl top retr dele fetch"

_pop3_server_options="--help -h --tls --cafile --pin --insecure --timeout --verbose -v"
_pop3_login_options="--user --password-file --password-command --auth --xoauth2-one-step
  --cert --key"
_pop3_fetch_options="--json --config --state-dir --jobs -j --quiet -q --maildir --mbox --mda
  --keep --keep-days --only-new --all --max-size --max-size-action --pipelining --crlf"

# Prints the options of command $1, one word list.
_pop3_options_of() {
  case $1 in
    capa | serverinfo) echo "$_pop3_server_options --json" ;;
    stat | list | uidl) echo "$_pop3_server_options $_pop3_login_options --json" ;;
    top | retr) echo "$_pop3_server_options $_pop3_login_options --output -o --lf" ;;
    dele) echo "$_pop3_server_options $_pop3_login_options" ;;
    fetch) echo "$_pop3_server_options $_pop3_login_options $_pop3_fetch_options" ;;
  esac
}

# Prints the account names of pop3 fetch's configuration file: the FILE of a --config on the
# command line, else $XDG_CONFIG_HOME/pop3/config.toml (when absolute) or
# ~/.config/pop3/config.toml. Only [accounts.NAME] table headers are read (NAME bare, or in
# double or single quotes), which is how pop3-config(5) writes them.
_pop3_accounts() {
  local file="" i
  for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
    if [[ ${COMP_WORDS[i]} == --config ]]; then
      if [[ ${COMP_WORDS[i + 1]-} == "=" ]]; then
        file=${COMP_WORDS[i + 2]-}
      else
        file=${COMP_WORDS[i + 1]-}
      fi
    elif [[ ${COMP_WORDS[i]} == --config=* ]]; then
      file=${COMP_WORDS[i]#--config=}
    fi
  done
  if [[ -z $file ]]; then
    if [[ ${XDG_CONFIG_HOME-} == /* ]]; then
      file=$XDG_CONFIG_HOME/pop3/config.toml
    else
      file=~/.config/pop3/config.toml
    fi
  fi
  # A --config ~/FILE typed on the line reaches us unexpanded.
  # shellcheck disable=SC2088
  [[ $file == "~/"* ]] && file=$HOME/${file#"~/"}
  [[ -r $file ]] || return 0
  sed -n -E \
    -e 's/^[[:space:]]*\[[[:space:]]*accounts\.([A-Za-z0-9_-]+)[[:space:]]*\].*$/\1/p' \
    -e 's/^[[:space:]]*\[[[:space:]]*accounts\."([^"]+)"[[:space:]]*\].*$/\1/p' \
    -e "s/^[[:space:]]*\\[[[:space:]]*accounts\\.'([^']+)'[[:space:]]*\\].*\$/\\1/p" \
    -- "$file"
}

# COMPREPLY for the value of option $1, the word being completed being $2. Returns 1 if $1
# takes no value.
_pop3_complete_value() {
  local option=$1 cur=$2
  case $option in
    --tls) mapfile -t COMPREPLY < <(compgen -W "implicit starttls none" -- "$cur") ;;
    --auth)
      mapfile -t COMPREPLY < <(compgen -W "auto user apop plain login cram-md5 scram-sha-1
        scram-sha-256 xoauth2 oauthbearer external" -- "$cur")
      ;;
    --pipelining) mapfile -t COMPREPLY < <(compgen -W "auto on off" -- "$cur") ;;
    --max-size-action) mapfile -t COMPREPLY < <(compgen -W "skip delete warn" -- "$cur") ;;
    --cafile | --cert | --key | --config | --password-file | --mbox | --output | -o)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      ;;
    --maildir | --state-dir)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      ;;
    --mda | --password-command) mapfile -t COMPREPLY < <(compgen -c -- "$cur") ;;
    --pin | --user | --timeout | --jobs | -j | --keep-days | --max-size) COMPREPLY=() ;;
    *) return 1 ;;
  esac
  return 0
}

_pop3() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev="" command="" i
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()

  # bash splits "--tls=imp" into "--tls" "=" "imp": complete the value of the option.
  if [[ $cur == "=" ]] && ((COMP_CWORD > 1)); then
    _pop3_complete_value "$prev" "" && return 0
  elif [[ $prev == "=" ]] && ((COMP_CWORD > 2)); then
    _pop3_complete_value "${COMP_WORDS[COMP_CWORD - 2]}" "$cur" && return 0
  elif [[ $prev == -* ]]; then
    _pop3_complete_value "$prev" "$cur" && return 0
  fi

  # The command is the first word that is not an option (the program's own options take no
  # value).
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} != -* ]]; then
      command=${COMP_WORDS[i]}
      break
    fi
  done

  if [[ -z $command ]]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "--help -h --version" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$_pop3_commands" -- "$cur")
    fi
    return 0
  fi

  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_pop3_options_of "$command")" -- "$cur")
    return 0
  fi

  # Arguments: the URL schemes until a URL is there (for fetch, once something is typed,
  # since it takes account names too), and fetch's account names, quoted for the shell.
  local -a candidates=()
  local name has_url=""
  for ((i = i + 1; i < COMP_CWORD; i++)); do
    [[ ${COMP_WORDS[i]} == *://* ]] && has_url=yes
  done
  if [[ $command == fetch ]]; then
    while IFS= read -r name; do
      [[ $name == "$cur"* ]] && candidates+=("$(printf '%q' "$name")")
    done < <(_pop3_accounts)
  fi
  if [[ -z $has_url && ($command != fetch || -n $cur) ]]; then
    for name in pop3s:// pop3://; do
      [[ $name == "$cur"* ]] && candidates+=("$name")
    done
  fi
  COMPREPLY=("${candidates[@]}")
  if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *:// ]]; then
    compopt -o nospace 2>/dev/null
  fi
  return 0
}

complete -F _pop3 pop3
