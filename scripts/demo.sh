#!/usr/bin/env bash
# The main job end to end, on a self-made example: a throw-away git repo and age key, a .sops.yaml,
# a secrets file encrypted, one value changed with `secrets set`, the file decrypted, the git diff.
# Nothing outside a temporary directory is touched (your own keys and ~/.config stay as they are).
set -euo pipefail
CLI="node $(cd "$(dirname "$0")/.." && pwd)/dist/cli.js"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config" HOME="$work/home"
unset SOPS_AGE_KEY SOPS_AGE_KEY_FILE SOPS_AGE_KEY_CMD SOPS_AGE_RECIPIENTS SOPS_CONFIG
mkdir -p "$HOME" && cd "$work"
git init -q -b main repo && cd repo
git config user.email demo@example.com && git config user.name "Demo"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "secrets keygen            # a fresh age key in \$XDG_CONFIG_HOME/sops/age/keys.txt"
$CLI keygen
step "secrets init              # .sops.yaml: files under secrets/ are encrypted to that key"
$CLI init
cat .sops.yaml

mkdir secrets
cat > secrets/app.yaml <<'YAML'
# Database credentials for the app
db:
    host: db.internal
    user: app
    password: s3cr3t-passw0rd
api_token: tok_live_1234567890
replicas: 3
YAML
step "secrets encrypt -i secrets/app.yaml"
$CLI encrypt -i secrets/app.yaml
cut -c1-100 secrets/app.yaml | sed -n '1,12p'
echo "    …"
git add -A && git commit -qm "Add encrypted app secrets"

step "secrets set secrets/app.yaml '[\"db\"][\"password\"]' '\"n3w-passw0rd\"'"
$CLI set secrets/app.yaml '["db"]["password"]' '"n3w-passw0rd"'

step "secrets decrypt secrets/app.yaml"
$CLI decrypt secrets/app.yaml

step "git diff --stat; git diff -U0   # only the changed value (plus lastmodified and the MAC) differs"
git --no-pager diff --stat
git --no-pager diff -U0 | cut -c1-110
