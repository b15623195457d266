# Evidence for kaudit policies, backed by the Go builtin kaudit.evidence_pick.
# The engine always loads this file; under plain `opa`, load ../shim instead:
# the same function written with object.get (see docs/policies.md).
package kaudit.lib.evidence

# pick(doc, paths) is {path: value} for every dotted path of paths
# ("kernel.release"), the value object.get(doc, split(path, "."), null) gives:
# null when doc does not have it. The evidence object of a result, in one call.
pick(doc, paths) := kaudit.evidence_pick(doc, paths)
