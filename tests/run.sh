#!/usr/bin/env bash
# The test command. Starts the test services unless they are running (and stops what it started),
# builds, runs every xunit suite and every Pester file (installing the pinned pwsh and Pester first if needed),
# then prints one line: "N passed, N failed, N skipped", counted over every suite that ran.
# Own pwsh or Pester: set SYNCTOOLS_PWSH to pwsh's path, SYNCTOOLS_PESTER to Pester.psd1's path.
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
checkout_before=$(git status --porcelain --untracked-files=all 2>/dev/null || true)
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
# pwsh and Pester: the user's own (SYNCTOOLS_PWSH, SYNCTOOLS_PESTER), else the pinned ones that
# tests/services/powershell.sh installs into the checkout, else a pwsh on PATH with Pester 5 where it finds it.
own_pwsh=${SYNCTOOLS_PWSH:-} own_pester=${SYNCTOOLS_PESTER:-}
tests/services/powershell.sh install || echo "Pester: the pinned pwsh or Pester did not install"
eval "$(tests/services/powershell.sh env)"
pwsh=${own_pwsh:-${SYNCTOOLS_PWSH:-$(command -v pwsh || true)}}
export SYNCTOOLS_PESTER=${own_pester:-${SYNCTOOLS_PESTER:-}}
if [ -z "$pwsh" ]; then
  echo "Pester: no pwsh to run it with"; failed=$((failed + 1))
else
  dotnet publish src/SyncTools.PowerShell -c Release -p:PackModule=true -v quiet -nologo >/dev/null || status=1
  summary=$("$pwsh" -NoProfile -NonInteractive -File tests/pester/Invoke-PesterSuite.ps1 | tee /dev/stderr | tail -n 1)
  if [[ $summary =~ ^pester:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2])); skipped=$((skipped + BASH_REMATCH[3]))
  else
    echo "Pester did not report a summary"; failed=$((failed + 1))
  fi
fi

# No test may write into the checkout (ignored build output aside).
checkout_after=$(git status --porcelain --untracked-files=all 2>/dev/null || true)
if [ "$checkout_after" != "$checkout_before" ]; then
  echo "The tests wrote into the checkout:"; diff <(echo "$checkout_before") <(echo "$checkout_after") || true
  failed=$((failed + 1))
fi

[ "$failed" -eq 0 ] || status=1
echo "tests took $(( $(date +%s) - started ))s"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
