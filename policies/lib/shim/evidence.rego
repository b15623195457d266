# Pure-Rego stand-in for the kaudit.evidence_pick builtin, for running the pack
# under plain `opa eval` / `opa test`. A Go test requires identical answers.
# kaudit itself never loads this file: it loads ../builtin/evidence.rego.
package kaudit.lib.evidence

# pick(doc, paths) is {path: value} for every dotted path of paths
# ("kernel.release"), the value object.get(doc, split(path, "."), null) gives:
# null when doc does not have it.
pick(doc, paths) := {p: object.get(doc, split(p, "."), null) | some p in paths}
