# appliance/lib/servers.sh (sourced): real Debian servers inside network namespaces, for
# tools/capture-transcripts and appliance/lab.
#
# Every server runs inside a namespace with its own configuration, logs and state under $SRV_WORK
# (nothing in /etc is changed), in the foreground of its own process, with the one self-signed
# certificate $SRV_WORK/cert.pem (RSA 2048, SHA-256, CA:TRUE, so that clients can trust it with
# e.g. LDAPTLS_CACERT). Every wait is bounded. The packages: `appliance/install-deps servers`.
#
# The caller sets, before using the functions:
#   SRV_WORK          the work directory (absolute; created by srv_material)
#   SRV_TAG           a short lower-case name for log lines, instance and host names ("pwcap")
#   SRV_LABEL         free text that servers show (page, sysDescr, organisation)
#   SRV_DOMAIN        the mail / directory domain ("pwcap.test"; the LDAP base is dc=pwcap,dc=test)
#   SRV_USER, SRV_USER_COMMENT, SRV_PASSWORD
#                     the local account used by FTP, POP3/IMAP and SMB (created by srv_material,
#                     removed by srv_user_del only if its comment is SRV_USER_COMMENT); the password
#                     is also the SMTP AUTH, HTTP Basic, LDAP rootpw and SNMPv3 auth secret
#   SRV_COMMUNITY     the SNMP v1/v2c community
#   SRV_PRIVPASS      the SNMPv3 privacy passphrase
# and may set SRV_PASV_MIN / SRV_PASV_MAX (vsftpd's passive range, default 50000-50010).
#
# Every function that starts a server leaves its PID in SRV_PID and appends it to SRV_PIDS.

SRV_PIDS=()
SRV_PID=

srv_log() { printf '[%s] %s\n' "$SRV_TAG" "$*" >&2; }
srv_die() { printf '[%s] error: %s\n' "$SRV_TAG" "$*" >&2; exit 1; }
srv_base_dn() { local d=${SRV_DOMAIN//./,dc=}; printf 'dc=%s' "$d"; }
srv_admin_dn() { printf 'cn=admin,%s' "$(srv_base_dn)"; }

# ------------------------------------------------------------------------------------------------
# Processes and namespaces
# ------------------------------------------------------------------------------------------------
srv_stop_pid() {  # PID: SIGTERM, then SIGKILL after 5 s
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

srv_stop_all() {  # every server started through srv_start
  local pid
  for pid in "${SRV_PIDS[@]}"; do srv_stop_pid "$pid"; done
  SRV_PIDS=()
}

srv_netns_exists() { [[ -e /run/netns/$1 ]]; }

srv_netns_kill() {  # NS: every process inside the namespace (they are all ours), TERM then KILL
  local ns=$1 pid
  srv_netns_exists "$ns" || return 0
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do [[ -z $(ip netns pids "$ns" 2>/dev/null) ]] && break; sleep 0.1; done
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  for _ in $(seq 20); do [[ -z $(ip netns pids "$ns" 2>/dev/null) ]] && break; sleep 0.1; done
  return 0
}

srv_netns_del() {  # NS...: their processes, then the namespaces (and the veths inside them)
  local ns
  for ns in "$@"; do
    srv_netns_kill "$ns"
    if srv_netns_exists "$ns"; then ip netns del "$ns" || true; fi
  done
  return 0
}

srv_netns_add() {  # NS...: lo up; no duplicate address detection, no router solicitations
  local ns
  for ns in "$@"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
      net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0
    ip -n "$ns" link set lo up
  done
}

# A veth pair between two namespaces (never in the root namespace), both ends up with every
# offload off (af_packet on veth needs it, and every checksum on the wire is then real) and no
# link-local address (every address on the wire is from 198.18.0.0/15 or 2001:db8::/32).
srv_veth() {  # NS_A IF_A NS_B IF_B
  ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
  srv_link_up "$1" "$2"
  srv_link_up "$3" "$4"
}

srv_link_up() {  # NS IF
  ip -n "$1" link set "$2" addrgenmode none
  ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
  ip -n "$1" link set "$2" up
}

# Runs a daemon in a namespace in the background; remembers its PID.
srv_start() {  # NS LOGFILE CMD...
  local ns=$1 logf=$2
  shift 2
  ip netns exec "$ns" "$@" >"$logf" 2>&1 0>&2 &  # vsftpd writes its errors to fd 0
  SRV_PID=$!
  SRV_PIDS+=("$SRV_PID")
}

srv_wait_listen() {  # NS PROTO(tcp|udp) ADDR PORT PID LOG
  local ns=$1 proto=$2 addr=$3 port=$4 pid=$5 logf=$6 flag=-ltn
  [[ $proto == udp ]] && flag=-lun
  for _ in $(seq 100); do
    # (not `ss | grep -q`: with pipefail, grep stopping early can fail the pipeline)
    if grep -qF -- "$addr" <<<"$(ip netns exec "$ns" ss -H "$flag" "sport = :$port" 2>/dev/null)"; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { cat "$logf" >&2; srv_die "server for $proto/$port exited"; }
    sleep 0.1
  done
  cat "$logf" >&2
  srv_die "nothing listens on $addr $proto/$port after 10 s"
}

# ------------------------------------------------------------------------------------------------
# Shared material: certificate, user, files
# ------------------------------------------------------------------------------------------------
srv_material() {  # SUBJECT_ALT_NAMES ("DNS:x,IP:198.18.20.5,...")
  mkdir -m 755 "$SRV_WORK"
  openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 365 \
    -keyout "$SRV_WORK/key.pem" -out "$SRV_WORK/cert.pem" -subj "/O=$SRV_LABEL/CN=$SRV_DOMAIN" \
    -addext "subjectAltName=$1" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
  chmod 644 "$SRV_WORK/cert.pem"
  chmod 640 "$SRV_WORK/key.pem"

  useradd --system --user-group --shell /bin/sh --home-dir "$SRV_WORK/home" --no-create-home \
    --comment "$SRV_USER_COMMENT" "$SRV_USER"
  echo "$SRV_USER:$SRV_PASSWORD" | chpasswd
  mkdir -m 755 "$SRV_WORK/home"
  printf '%%PDF-1.4 scanned page\n' >"$SRV_WORK/home/scan-0001.pdf"
  printf 'From: MFD <scan@%s>\r\nTo: office <office@%s>\r\nSubject: scanned document\r\n\r\nscan-0001.pdf attached (not really).\r\n' \
    "$SRV_DOMAIN" "$SRV_DOMAIN" >"$SRV_WORK/message.eml"
  chown -R "$SRV_USER:$SRV_USER" "$SRV_WORK/home"
}

srv_user_del() {  # the account, only if srv_material made it (its comment)
  if [[ $(getent passwd "$SRV_USER") == *"$SRV_USER_COMMENT"* ]]; then
    userdel "$SRV_USER" 2>/dev/null || true
    if getent group "$SRV_USER" >/dev/null; then groupdel "$SRV_USER" 2>/dev/null || true; fi
  fi
  return 0
}

# ------------------------------------------------------------------------------------------------
# FTP: vsftpd
# ------------------------------------------------------------------------------------------------
# MODE: plain (no TLS), tls-forced (AUTH TLS required for logins and data), tls (AUTH TLS offered,
# plain logins still accepted by the server: a gateway that must refuse them cannot lean on it)
srv_vsftpd() {  # NS ADDR MODE
  local ns=$1 addr=$2 mode=$3 ssl=YES force=NO
  [[ $mode == plain ]] && ssl=NO
  [[ $mode == tls-forced ]] && force=YES
  local conf=$SRV_WORK/vsftpd-$mode.conf
  mkdir -p "$SRV_WORK/ftp-empty"
  chmod 755 "$SRV_WORK/ftp-empty"
  cat >"$conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$addr
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=NO
pam_service_name=vsftpd
secure_chroot_dir=$SRV_WORK/ftp-empty
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
xferlog_enable=NO
vsftpd_log_file=$SRV_WORK/vsftpd.log
pasv_enable=YES
pasv_min_port=${SRV_PASV_MIN:-50000}
pasv_max_port=${SRV_PASV_MAX:-50010}
ssl_enable=$ssl
rsa_cert_file=$SRV_WORK/cert.pem
rsa_private_key_file=$SRV_WORK/key.pem
force_local_logins_ssl=$force
force_local_data_ssl=$force
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=YES
require_ssl_reuse=NO
ssl_ciphers=HIGH
EOF
  srv_start "$ns" "$SRV_WORK/vsftpd-$mode.out" vsftpd "$conf"
  srv_wait_listen "$ns" tcp "$addr" 21 "$SRV_PID" "$SRV_WORK/vsftpd-$mode.out"
}

# ------------------------------------------------------------------------------------------------
# HTTP and HTTPS: nginx (the printer's Remote UI): 80 with Basic auth, 443 (TLS 1.0 to 1.3, so
# that the gateway, not the server, refuses old versions), Basic auth on 443 too if HTTPS_AUTH=yes
# ------------------------------------------------------------------------------------------------
srv_nginx() {  # NS ADDR4 ADDR6 HTTPS_AUTH(yes|no)
  local ns=$1 a4=$2 a6=$3 d=$SRV_WORK/nginx auth=""
  mkdir -p "$d/www" "$d/tmp"; chmod 755 "$d" "$d/www" "$d/tmp"
  printf '<html><body>%s: remote UI</body></html>\n' "$SRV_LABEL" >"$d/www/index.html"
  printf '%s:%s\n' "$SRV_USER" "$(openssl passwd -apr1 "$SRV_PASSWORD")" >"$d/htpasswd"
  chmod 644 "$d/htpasswd" "$d/www/index.html"
  [[ $4 == yes ]] && auth="location / { auth_basic \"$SRV_LABEL\"; auth_basic_user_file $d/htpasswd; }"
  cat >"$d/nginx.conf" <<EOF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 64; }
http {
  access_log $d/access.log;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  default_type text/html;
  server {
    listen $a4:80;
    listen [$a6]:80;
    root $d/www;
    location / {
      auth_basic "$SRV_LABEL";
      auth_basic_user_file $d/htpasswd;
    }
  }
  server {
    listen $a4:443 ssl;
    listen [$a6]:443 ssl;
    root $d/www;
    ssl_certificate $SRV_WORK/cert.pem;
    ssl_certificate_key $SRV_WORK/key.pem;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_ciphers DEFAULT:@SECLEVEL=0;
    $auth
  }
}
EOF
  srv_start "$ns" "$d/nginx.out" nginx -p "$d" -e "$d/error.log" -c "$d/nginx.conf" -g 'daemon off;'
  srv_wait_listen "$ns" tcp "$a4" 443 "$SRV_PID" "$d/nginx.out"
  srv_wait_listen "$ns" tcp "$a4" 80 "$SRV_PID" "$d/nginx.out"
}

# ------------------------------------------------------------------------------------------------
# SNMP: snmpd (v1/v2c community for one client, v3 users pwadmin authPriv (SHA, AES), pwdes
# authPriv with DES privacy (weak: the gateway refuses it) and pwnoauth)
# ------------------------------------------------------------------------------------------------
# Afterwards SRV_SNMPGET holds the client command prefix (private state directory, no MIBs).
srv_snmpd() {  # NS ADDR COMMUNITY_CLIENT
  local ns=$1 addr=$2 d=$SRV_WORK/snmp
  mkdir -p "$d/agent" "$d/client"
  cat >"$d/snmpd.conf" <<EOF
agentAddress udp:$addr:161
sysDescr "$SRV_LABEL: MFD SNMP agent"
sysLocation "$SRV_LABEL, printer network"
sysContact "$SRV_LABEL"
rocommunity $SRV_COMMUNITY $3
createUser pwadmin SHA "$SRV_PASSWORD" AES "$SRV_PRIVPASS"
createUser pwdes SHA "$SRV_PASSWORD" DES "$SRV_PRIVPASS"
createUser pwnoauth
rouser pwadmin priv
rouser pwdes priv
rouser pwnoauth noauth
EOF
  srv_start "$ns" "$d/snmpd.out" env SNMP_PERSISTENT_DIR="$d/agent" MIBS= \
    snmpd -f -Lo -C -c "$d/snmpd.conf" -p "$d/snmpd.pid"
  srv_wait_listen "$ns" udp "$addr" 161 "$SRV_PID" "$d/snmpd.out"
  SRV_SNMPGET=(env SNMP_PERSISTENT_DIR="$d/client" SNMPCONFPATH="$d/client" MIBS= snmpget -On -r 1 -t 2)
}

# ------------------------------------------------------------------------------------------------
# Mail: exim (SMTP submission: STARTTLS and AUTH PLAIN/LOGIN advertised, also without TLS, so that
# the gateway, not the server, refuses AUTH in clear; queue_only) and dovecot (POP3 110, IMAP 143)
# ------------------------------------------------------------------------------------------------
# Afterwards SRV_SMTP holds a curl command that submits $SRV_WORK/message.eml with AUTH PLAIN.
srv_exim() {  # NS ADDR PORT
  local ns=$1 addr=$2 port=$3 e=$SRV_WORK/exim
  mkdir -p "$e/spool" "$e/log"
  chown -R Debian-exim:Debian-exim "$e"
  cat >"$e/exim.conf" <<EOF
primary_hostname = mail.$SRV_DOMAIN
local_interfaces = <; $addr
daemon_smtp_ports = $port
spool_directory = $e/spool
log_file_path = $e/log/%slog
pid_file_path = $e/exim.pid
exim_user = Debian-exim
exim_group = Debian-exim
never_users = root
host_lookup =
rfc1413_hosts =
queue_only = true
tls_advertise_hosts = *
tls_certificate = $SRV_WORK/cert.pem
tls_privatekey = $SRV_WORK/key.pem
auth_advertise_hosts = *
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  accept authenticated = *
  deny   message = authentication required

begin routers

begin transports

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and {{eq{\$auth2}{$SRV_USER}}{eq{\$auth3}{$SRV_PASSWORD}}}}
  server_set_id = \$auth2
login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = \${if and {{eq{\$auth1}{$SRV_USER}}{eq{\$auth2}{$SRV_PASSWORD}}}}
  server_set_id = \$auth1
EOF
  chmod 644 "$e/exim.conf"
  chgrp Debian-exim "$SRV_WORK/key.pem"
  srv_start "$ns" "$e/exim.out" exim4 -C "$e/exim.conf" -bdf
  srv_wait_listen "$ns" tcp "$addr" "$port" "$SRV_PID" "$e/exim.out"
  SRV_SMTP=(curl -sS -v --url "smtp://$addr:$port/mfd.$SRV_DOMAIN" --mail-from "scan@$SRV_DOMAIN"
            --mail-rcpt "office@$SRV_DOMAIN" --upload-file "$SRV_WORK/message.eml"
            --user "$SRV_USER:$SRV_PASSWORD" --login-options AUTH=PLAIN)
}

srv_dovecot() {  # NS ADDR
  local ns=$1 addr=$2 d=$SRV_WORK/dovecot
  mkdir -p "$d/run" "$d/state"
  mkdir -p "$SRV_WORK/home/Maildir/"{cur,new,tmp}
  cp "$SRV_WORK/message.eml" "$SRV_WORK/home/Maildir/new/1700000000.M1P1.$SRV_TAG"
  chown -R "$SRV_USER:$SRV_USER" "$SRV_WORK/home"
  printf '%s:{PLAIN}%s::::::\n' "$SRV_USER" "$SRV_PASSWORD" >"$d/passwd"
  chmod 644 "$d/passwd"
  cat >"$d/dovecot.conf" <<EOF
base_dir = $d/run
state_dir = $d/state
instance_name = $SRV_TAG
protocols = imap pop3
listen = $addr
log_path = $d/dovecot.log
ssl = yes
ssl_cert = <$SRV_WORK/cert.pem
ssl_key = <$SRV_WORK/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN $d/passwd
}
userdb {
  driver = static
  args = uid=$SRV_USER gid=$SRV_USER home=$SRV_WORK/home
}
service imap-login {
  inet_listener imap {
    port = 143
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 110
  }
  inet_listener pop3s {
    port = 0
  }
}
EOF
  srv_start "$ns" "$d/dovecot.out" dovecot -F -c "$d/dovecot.conf"
  srv_wait_listen "$ns" tcp "$addr" 110 "$SRV_PID" "$d/dovecot.out"
  srv_wait_listen "$ns" tcp "$addr" 143 "$SRV_PID" "$d/dovecot.out"
}

# ------------------------------------------------------------------------------------------------
# LDAP: slapd (slapd.conf, back_mdb, rootdn/rootpw; StartTLS on 389 with TLS >= 1.2, LDAPS on 636
# when LDAPS=1) with one address-book entry
# ------------------------------------------------------------------------------------------------
# Afterwards SRV_LDAP_ENV holds the client environment (no system ldap.conf, the lab CA, demand).
srv_slapd() {  # NS ADDR LDAPS(0|1)
  local ns=$1 addr=$2 d=$SRV_WORK/slapd base dc urls
  base=$(srv_base_dn)
  dc=${SRV_DOMAIN%%.*}
  urls="ldap://$addr/"
  [[ $3 == 1 ]] && urls+=" ldaps://$addr/"
  mkdir -p "$d/db"
  cat >"$d/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $d/slapd.pid
argsfile $d/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile $SRV_WORK/cert.pem
TLSCertificateKeyFile $SRV_WORK/key.pem
TLSProtocolMin 3.3
database mdb
maxsize 10485760
suffix "$base"
rootdn "$(srv_admin_dn)"
rootpw $SRV_PASSWORD
directory $d/db
access to * by * read
EOF
  cat >"$d/base.ldif" <<EOF
dn: $base
objectClass: dcObject
objectClass: organization
o: $SRV_LABEL
dc: $dc

dn: cn=Office Scanner,$base
objectClass: inetOrgPerson
cn: Office Scanner
sn: Scanner
mail: office@$SRV_DOMAIN
EOF
  slapadd -f "$d/slapd.conf" -l "$d/base.ldif" >"$d/slapadd.out" 2>&1 ||
    { cat "$d/slapadd.out" >&2; srv_die "slapadd failed"; }
  srv_start "$ns" "$d/slapd.out" slapd -d 0 -h "$urls" -f "$d/slapd.conf"
  srv_wait_listen "$ns" tcp "$addr" 389 "$SRV_PID" "$d/slapd.out"
  [[ $3 == 1 ]] && srv_wait_listen "$ns" tcp "$addr" 636 "$SRV_PID" "$d/slapd.out"
  SRV_LDAP_ENV=(env LDAPCONF=/dev/null LDAPRC=/dev/null LDAPTLS_CACERT="$SRV_WORK/cert.pem" LDAPTLS_REQCERT=demand)
}

# ------------------------------------------------------------------------------------------------
# SMB: smbd (share "scans", signing mandatory, NT1 still accepted so that the gateway, not the
# server, refuses SMB1), port 445 only, no NetBIOS
# ------------------------------------------------------------------------------------------------
# Afterwards SRV_SMBCLIENT holds the client command (listing of //ADDR/scans as SRV_USER).
srv_smbd() {  # NS ADDR
  local ns=$1 addr=$2 d=$SRV_WORK/samba wg
  wg=${SRV_TAG^^}
  mkdir -p "$d/lock" "$d/state" "$d/cache" "$d/private" "$d/run" "$d/ncalrpc" \
    "$d/client/lock" "$d/client/state" "$d/client/cache" "$d/client/private" "$d/scans"
  cp "$SRV_WORK/home/scan-0001.pdf" "$d/scans/"
  chown -R "$SRV_USER:$SRV_USER" "$d/scans"
  cat >"$d/smb.conf" <<EOF
[global]
  netbios name = ${wg}FS
  workgroup = $wg
  server role = standalone server
  interfaces = $addr/32
  bind interfaces only = yes
  smb ports = 445
  disable netbios = yes
  server min protocol = NT1
  server signing = mandatory
  map to guest = never
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  lock directory = $d/lock
  state directory = $d/state
  cache directory = $d/cache
  private dir = $d/private
  pid directory = $d/run
  ncalrpc dir = $d/ncalrpc
  log file = $d/log.%m
  passdb backend = tdbsam:$d/private/passdb.tdb
[scans]
  path = $d/scans
  read only = no
  valid users = $SRV_USER
EOF
  cat >"$d/client.conf" <<EOF
[global]
  workgroup = $wg
  lock directory = $d/client/lock
  state directory = $d/client/state
  cache directory = $d/client/cache
  private dir = $d/client/private
  disable netbios = yes
EOF
  printf '%s\n%s\n' "$SRV_PASSWORD" "$SRV_PASSWORD" | smbpasswd -c "$d/smb.conf" -s -a "$SRV_USER" >/dev/null
  srv_start "$ns" "$d/smbd.out" smbd --foreground --debug-stdout -s "$d/smb.conf"
  srv_wait_listen "$ns" tcp "$addr" 445 "$SRV_PID" "$d/smbd.out"
  SRV_SMBCLIENT=(smbclient -s "$d/client.conf" "//$addr/scans" -p 445 -U "$SRV_USER%$SRV_PASSWORD" -c ls)
}

# ------------------------------------------------------------------------------------------------
# syslog: rsyslog receiving on UDP 514 into $SRV_WORK/rsyslog/received.log (no local socket)
# ------------------------------------------------------------------------------------------------
srv_rsyslog() {  # NS ADDR [TLS_PORT]: UDP 514, and RFC 5425 TLS on TLS_PORT when given (6514)
  local ns=$1 addr=$2 tls_port=${3:-} d=$SRV_WORK/rsyslog
  mkdir -p "$d/work"
  {
    if [[ -n $tls_port ]]; then
      printf 'global(workDirectory="%s" defaultNetstreamDriver="ossl" defaultNetstreamDriverCAFile="%s" defaultNetstreamDriverCertFile="%s" defaultNetstreamDriverKeyFile="%s")\n' \
        "$d/work" "$SRV_WORK/cert.pem" "$SRV_WORK/cert.pem" "$SRV_WORK/key.pem"
      printf 'module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")\n'
      printf 'input(type="imtcp" address="%s" port="%s")\n' "$addr" "$tls_port"
    else
      printf 'global(workDirectory="%s")\n' "$d/work"
    fi
    printf 'module(load="imudp")\ninput(type="imudp" address="%s" port="514")\n' "$addr"
    printf '*.* action(type="omfile" file="%s/received.log")\n' "$d"
  } >"$d/rsyslog.conf"
  srv_start "$ns" "$d/rsyslogd.out" rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid"
  srv_wait_listen "$ns" udp "$addr" 514 "$SRV_PID" "$d/rsyslogd.out"
  [[ -z $tls_port ]] || srv_wait_listen "$ns" tcp "$addr" "$tls_port" "$SRV_PID" "$d/rsyslogd.out"
}

# The printer's side of syslog over TLS: an rsyslog that takes UDP on 127.0.0.1:5514 (send with
# `logger -n 127.0.0.1 -P 5514 --udp`) and forwards every message over TLS (RFC 5425) to
# SERVER:PORT, verifying the server's certificate against $SRV_WORK/cert.pem.
srv_rsyslog_tls_client() {  # NS SERVER PORT
  local ns=$1 server=$2 port=$3 d=$SRV_WORK/rsyslog-client
  mkdir -p "$d/work"
  cat >"$d/rsyslog.conf" <<EOF
global(workDirectory="$d/work" defaultNetstreamDriverCAFile="$SRV_WORK/cert.pem")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="5514")
*.* action(type="omfwd" target="$server" port="$port" protocol="tcp" streamDriver="ossl"
           streamDriverMode="1" streamDriverAuthMode="x509/certvalid"
           action.resumeInterval="1" action.resumeRetryCount="-1")
EOF
  srv_start "$ns" "$d/rsyslogd.out" rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid"
  srv_wait_listen "$ns" udp 127.0.0.1 5514 "$SRV_PID" "$d/rsyslogd.out"
}
