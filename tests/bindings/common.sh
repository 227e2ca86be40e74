# Shared helpers of the binding suites (sourced by tests/bindings/*.sh).

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ref="$root/tests/bindings/reference_64x48.txt"

passed=0
failed=0
# step NAME COMMAND...: runs one check and counts it.
step() {
    local name="$1"
    shift
    echo "--- $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAILED: $name"
    fi
}
# finish SUITE: prints the count line and returns the suite's status.
finish() {
    echo "$1: $passed passed, $failed failed"
    [ "$failed" = 0 ]
}

# install_prefix DIR: builds the library (release) and installs it into DIR.
install_prefix() {
    bash "$root/scripts/install.sh" "$1" >"$1.install.log" 2>&1 || {
        cat "$1.install.log"
        return 1
    }
    echo "installed into $1"
}

# readme_has_example FILE LANG: README.md holds FILE verbatim as a ```LANG block.
readme_has_example() {
    local file="$1" lang="$2" inside=0 block="" line want
    want="$(cat "$file")"$'\n'
    while IFS= read -r line || [ -n "$line" ]; do
        if [ $inside = 0 ] && [ "$line" = '```'"$lang" ]; then
            inside=1
            block=""
        elif [ $inside = 1 ] && [ "$line" = '```' ]; then
            inside=0
            if [ "$block" = "$want" ]; then
                echo "README.md shows ${file#"$root"/} verbatim ($(wc -l <"$file") lines)"
                return 0
            fi
        elif [ $inside = 1 ]; then
            block+="$line"$'\n'
        fi
    done <"$root/README.md"
    echo "README.md has no \`\`\`$lang block equal to ${file#"$root"/}"
    return 1
}
