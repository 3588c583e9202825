#!/usr/bin/env bash
# Runs the examples the way a user would consume the package: pack BigModel.MLNet into the local feed
# (artifacts/packages, named in nuget.config), then build and run each example against that package on its
# default data (bundled in examples/data; Fashion-MNIST from the Debian package dataset-fashion-mnist; the flower
# photos, Yelp sentences and GitHub issues from the shared data folder beside the repository). Arguments
# (e.g. --epochs 3) are passed to every example.
#   bash examples/run.sh [--epochs N]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet pack src/BigModel.MLNet -c Release -o artifacts/packages --nologo -v quiet
# The version does not change between local packs: forget the previously restored copy of our own package only.
cache=$(dotnet nuget locals global-packages --list | sed 's/^[^:]*: *//')
rm -rf "$cache/bigmodel.mlnet"
declare -A shared=([FlowersTransfer]=flowers-small [YelpSentiment]=sentiment-yelp [GitHubIssues]=github-issues-corefx)
# QualityReport last: every model on every shared dataset against ML.NET's baselines (35–55 minutes; with --epochs,
# as CI passes, a quick smoke run that leaves docs/quality.md alone).
for example in TaxiFare MovieRecommender FashionMnist FlowersTransfer YelpSentiment GitHubIssues Tuning QualityReport; do
  if [ "$example" = FashionMnist ] && [ ! -d /usr/share/datasets/fashion-mnist ]; then
    echo "== examples/$example skipped: install its data with 'sudo apt-get install dataset-fashion-mnist'"
    continue
  fi
  if [ -n "${shared[$example]:-}" ] && [ ! -d "../shared/data/${shared[$example]}" ]; then
    echo "== examples/$example skipped: its data is expected in ../shared/data/${shared[$example]} (or run it with a path)"
    continue
  fi
  echo "== examples/$example"
  dotnet run --project "examples/$example" -c Release -- "$@"
done
