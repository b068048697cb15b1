#!/usr/bin/env bash
# Starts a throwaway Dovecot IMAP server for the mailbox tests, in a temp folder,
# listening on loopback only, with one user (roms / roms-test-password) and a Maildir,
# and prints what the tests read. Installs Debian's dovecot-imapd when there is none.
#   eval "$(bash .ci/dovecot.sh start)"   # exports ROMS_TEST_IMAP_ADDR and ROMS_TEST_IMAP_DIR
#   bash .ci/dovecot.sh stop              # stops it and removes the folder
set -euo pipefail

case "${1:-start}" in
start)
  if ! command -v dovecot >/dev/null; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  fi
  dir=$(mktemp -d /tmp/roms-imap.XXXXXX)
  port=${ROMS_TEST_IMAP_PORT:-51143}
  user=$(id -un)
  if [ "$(id -u)" = 0 ]; then
    user=romsmail
    id "$user" >/dev/null 2>&1 || useradd --system --no-create-home "$user"
  fi
  chmod 755 "$dir"
  mkdir -p "$dir/mail" "$dir/run"
  chown "$user" "$dir/mail"
  echo "roms:{PLAIN}roms-test-password" > "$dir/passwd"
  cat > "$dir/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%u
first_valid_uid = 1
default_internal_user = $user
default_login_user = $user
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = static
  args = uid=$user gid=$(id -gn "$user") home=$dir/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
CONF
  dovecot -c "$dir/dovecot.conf"
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  echo "export ROMS_TEST_IMAP_ADDR='127.0.0.1:$port'"
  echo "export ROMS_TEST_IMAP_DIR='$dir'"
  ;;
stop)
  dir=${ROMS_TEST_IMAP_DIR:?}
  dovecot -c "$dir/dovecot.conf" stop 2>/dev/null || true
  sleep 0.2
  rm -rf "$dir"
  ;;
esac
