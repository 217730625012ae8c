#!/usr/bin/env bash
# The test command. Starts the test services unless they are running (and stops what it started),
# builds, runs every xunit suite and, where pwsh and Pester exist, the Pester files, then prints
# one line: "N passed, N failed, N skipped", counted over every suite that ran.
# Pester: set SYNCTOOLS_PESTER to Pester.psd1's path, or have Pester installed where pwsh finds it.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
started=$(date +%s)
cd "$root"
results=$root/out/test-results
rm -rf "$results"; mkdir -p "$results"

services=tests/services/services.sh
if [ "$($services env | grep -c '^export')" -lt 5 ]; then
  env_lines=$($services start) || { echo "test services failed to start"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
  trap '$services stop' EXIT
else
  env_lines=$($services env)
fi
eval "$env_lines"

passed=0 failed=0 skipped=0 status=0
count_trx() { # adds the counters of one .trx file
  local counters; counters=$(grep -o '<Counters [^>]*>' "$1")
  local total executed p f
  total=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
  executed=$(sed -E 's/.* executed="([0-9]+)".*/\1/' <<<"$counters")
  p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
  f=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + total - executed))
}

echo "== xunit"
dotnet build SyncTools.sln -c Release -nologo -v quiet || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
for project in tests/*.Tests/*.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
  if [ -f "$results/$name.trx" ]; then count_trx "$results/$name.trx"; else echo "$name wrote no results"; failed=$((failed + 1)); fi
done

echo "== pester"
pester_found() {
  if [ -n "${SYNCTOOLS_PESTER:-}" ]; then [ -f "$SYNCTOOLS_PESTER" ]; return; fi
  pwsh -NoProfile -NonInteractive -c 'if (Get-Module -ListAvailable Pester | Where-Object Version -ge 5.0) { exit 0 } else { exit 1 }'
}
if ! command -v pwsh >/dev/null; then
  echo "Pester tests skipped: pwsh is not installed here (CI has none); the contract tests above check the cmdlets' metadata."
elif ! pester_found; then
  echo "Pester tests skipped: pwsh is here but Pester 5 is not (set SYNCTOOLS_PESTER to Pester.psd1's path)."
else
  dotnet publish src/SyncTools.PowerShell -c Release -p:PackModule=true -v quiet -nologo >/dev/null || status=1
  summary=$(pwsh -NoProfile -NonInteractive -File tests/pester/Invoke-PesterSuite.ps1 | tee /dev/stderr | tail -n 1)
  if [[ $summary =~ ^pester:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2])); skipped=$((skipped + BASH_REMATCH[3]))
  else
    echo "Pester did not report a summary"; failed=$((failed + 1))
  fi
fi

[ "$failed" -eq 0 ] || status=1
echo "tests took $(( $(date +%s) - started ))s"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
