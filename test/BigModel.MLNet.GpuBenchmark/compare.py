# Sets the C# benchmark's samples/s beside PyTorch eager's, preset by preset, as a Markdown table.
#
#   python3 compare.py bigmodel.txt pytorch.jsonl
#
# Both files hold one JSON object per line for each preset (the C# output's other lines are its own tables).
import json
import sys


def rates(path, runtime):
    found = {}
    with open(path) as lines:
        for line in lines:
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("runtime") == runtime and "preset" in record and "samples_per_s" in record and "feed" not in record:
                    found[record["preset"]] = record
    return found


ours, theirs = rates(sys.argv[1], "bigmodel"), rates(sys.argv[2], "pytorch-eager")
print("| preset | batch | BigModel.MLNet samples/s | PyTorch eager samples/s | ratio |")
print("| -- | --: | --: | --: | --: |")
for preset in theirs:
    mine = ours.get(preset)
    if mine is None:
        print(f"| {preset} | {theirs[preset]['batch']} | (did not run) | {theirs[preset]['samples_per_s']:,.0f} | |")
        continue
    ratio = mine["samples_per_s"] / theirs[preset]["samples_per_s"]
    print(f"| {preset} | {mine['batch']} | {mine['samples_per_s']:,.0f} | {theirs[preset]['samples_per_s']:,.0f} | {ratio:.2f} |")
