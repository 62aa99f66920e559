# Shared by scripts/setup.sh and scripts/test.sh: install what is missing, build.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}

PACKAGES="cmake ninja-build g++ pkg-config libcli11-dev libyaml-cpp-dev libyaml-dev libfmt-dev nlohmann-json3-dev
libboost-dev libboost-filesystem-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
libgit2-dev git gnupg docker.io openssh-server openssh-client busybox-static iproute2 curl docker-compose
python3-jsonschema python3-yaml python3-paramiko caddy"

install_packages() {
  local missing=""
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "berth: installing:$missing"
    if [ "$(id -u)" != 0 ]; then echo "berth: run as root (apt-get install is needed)" >&2; exit 1; fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

build() {  # [targets...]: default everything
  # ccache, when a developer has it, makes rebuilds in several checkouts cheap; CI needs none.
  local launcher=""
  command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} $launcher >/dev/null
  ninja -C "$BUILD" -j2 "$@"
}
