# Runs tests/pester/*.Tests.ps1 against the assembled module (dotnet publish src/SyncTools.PowerShell first)
# and ends with one line: "pester: N passed, N failed, N skipped". Used by tests/run.sh and build.ps1 -Task Test.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue' # progress bars only clutter a test log
if ($env:SYNCTOOLS_PESTER) { Import-Module $env:SYNCTOOLS_PESTER -MinimumVersion 5.0 } else { Import-Module Pester -MinimumVersion 5.0 }
$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$run = Invoke-Pester -Configuration $configuration
"pester: $($run.PassedCount) passed, $($run.FailedCount + $run.FailedBlocksCount + $run.FailedContainersCount) failed, $($run.SkippedCount + $run.NotRunCount) skipped"
