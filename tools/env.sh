# Sourced by the project's scripts: puts Capstan's Node and pnpm first on PATH.
export PATH="${CAPSTAN_PREFIX:-/opt/capstan}/bin:$PATH"
