# Sourced by the scripts that fetch from Debian's archive (kernels.sh,
# pkg/install-test.sh): where the archive is and where downloads and
# chroots are cached, each overridable from the environment.
# shellcheck shell=sh
cache=${TCPFSM_CACHE:-/var/cache/tcpfsm}
mirror=${TCPFSM_MIRROR:-http://deb.debian.org/debian}
security=${TCPFSM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
