#!/usr/bin/env bash
# Runs the main example the way a user would consume the package: pack BigModel.MLNet into the local feed
# (artifacts/packages, named in nuget.config), then build and run the taxi-fare example against that package.
#   bash examples/run.sh [train.csv test.csv] [--epochs N]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet pack src/BigModel.MLNet -c Release -o artifacts/packages --nologo -v quiet
# The version does not change between local packs: forget the previously restored copy of our own package only.
cache=$(dotnet nuget locals global-packages --list | sed 's/^[^:]*: *//')
rm -rf "$cache/bigmodel.mlnet"
dotnet run --project examples/TaxiFare -c Release -- "$@"
