#!/usr/bin/env bash
# PowerShell and Pester for the Pester files, pinned, into DEPS (an ignored folder of the checkout):
#   pwsh 7.6.9, the NuGet `PowerShell` .NET tool (PSResourceGet 1.2.0 ships with it), and Pester 5.7.1, whose NuGet
#   package holds the module in tools/. Offline after the first install.
# Usage: powershell.sh install | env
#   env prints `export SYNCTOOLS_PWSH=...` and `export SYNCTOOLS_PESTER=...` for what is installed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PWSH_VERSION=7.6.9
PESTER_VERSION=5.7.1
TOOL=$DEPS/pwsh
PACKAGES=$DEPS/nuget
PWSH=$TOOL/pwsh
PESTER=$PACKAGES/pester/$PESTER_VERSION/tools/Pester.psd1

installed_pwsh() { [ -x "$PWSH" ] && [ "$("$PWSH" -NoProfile -NonInteractive -c '$PSVersionTable.PSVersion.ToString()' 2>/dev/null)" = "$PWSH_VERSION" ]; }

case "${1:-}" in
install)
  if ! installed_pwsh; then
    log "installing PowerShell $PWSH_VERSION (.NET tool)"
    rm -rf "$TOOL"
    dotnet tool install PowerShell --version "$PWSH_VERSION" --tool-path "$TOOL" >/dev/null
  fi
  if [ ! -f "$PESTER" ]; then
    log "installing Pester $PESTER_VERSION (NuGet)"
    project=$(mktemp -d)
    trap 'rm -rf "$project"' EXIT
    cat > "$project/pester.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$PESTER_VERSION]" /></ItemGroup>
</Project>
XML
    dotnet restore "$project/pester.csproj" --packages "$PACKAGES" -nologo -v quiet >/dev/null
  fi ;;
env)
  installed_pwsh && echo "export SYNCTOOLS_PWSH='$PWSH'"
  [ -f "$PESTER" ] && echo "export SYNCTOOLS_PESTER='$PESTER'"
  true ;;
*) echo "usage: $0 install|env" >&2; exit 2 ;;
esac
