#!/usr/bin/env bash
# Re-verifies the vendored GraphiQL files in this directory against README.md.
#
#   bash assets/graphiql/fetch.sh            # verify only (exit 1 on any mismatch)
#   bash assets/graphiql/fetch.sh --install  # also (re)write the vendored files from the tarballs
#
# For every package@version in README.md's "Tarballs" table it runs `npm pack` (which itself checks
# the registry's integrity) into a temporary directory, compares the tarball's sha512 integrity with
# the README, extracts it, and checks the sha256 of each file in the "Files" table: the one in the
# tarball and the vendored copy here. Needs bash, npm, tar, sha256sum, openssl, base64, awk.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readme="$here/README.md"
install=0
[[ "${1:-}" == "--install" ]] && install=1

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Rows of README.md's markdown tables whose last cell is an npm integrity (`rows sha512`) or a
# sha256 in hex (`rows sha256`): prints the cells, tab-separated (plain POSIX awk, no intervals).
rows() {
  awk -F'|' -v kind="$1" '
    /^\|/ {
      n = 0
      for (i = 2; i < NF; i++) { c = $i; gsub(/^[ \t`]+|[ \t`]+$/, "", c); cell[++n] = c }
      last = cell[n]
      if (kind == "sha512") keep = (last ~ /^sha512-/)
      else keep = (length(last) == 64 && last ~ /^[0-9a-f]+$/)
      if (keep) { line = cell[1]; for (i = 2; i <= n; i++) line = line "\t" cell[i]; print line }
    }' "$readme"
}

fail=0

# Tarballs: | package@version | integrity |
while IFS=$'\t' read -r spec integrity; do
  mkdir -p "$tmp/$spec"
  file="$(cd "$tmp/$spec" && npm pack --silent "$spec")"
  got="sha512-$(openssl dgst -sha512 -binary "$tmp/$spec/$file" | base64 -w0)"
  if [[ "$got" != "$integrity" ]]; then
    echo "MISMATCH $spec tarball: $got (README: $integrity)"; fail=1
  fi
  tar -xzf "$tmp/$spec/$file" -C "$tmp/$spec"
done < <(rows sha512)

# Files: | package@version | path in tarball | vendored as | sha256 |
while IFS=$'\t' read -r spec path name sum; do
  src="$tmp/$spec/$path"
  if [[ ! -f "$src" ]]; then echo "MISSING $spec:$path"; fail=1; continue; fi
  got="$(sha256sum "$src" | cut -d' ' -f1)"
  if [[ "$got" != "$sum" ]]; then echo "MISMATCH $spec:$path $got (README: $sum)"; fail=1; continue; fi
  (( install )) && cp "$src" "$here/$name"
  have="$(sha256sum "$here/$name" 2>/dev/null | cut -d' ' -f1 || true)"
  if [[ "$have" != "$sum" ]]; then echo "MISMATCH vendored $name: ${have:-missing} (README: $sum)"; fail=1; continue; fi
  echo "ok  $name  <- $spec:$path"
done < <(rows sha256)

if (( fail )); then echo "verification FAILED"; exit 1; fi
echo "all vendored files match README.md"
