# Version comparison for kaudit policies, backed by the Go builtin
# kaudit.version_compare (internal/version). The engine always loads this file.
# Under plain `opa`, which lacks the builtin, load ../shim instead: the same
# functions written in Rego (see docs/policies.md).
package kaudit.lib.version

# compare(kind, a, b) is -1, 0 or 1 as a is older than, equal to or newer than
# b; undefined when either does not parse as a version of kind. Kinds: rpm,
# runc, docker, kubelet, kernel, semver.
compare(kind, a, b) := kaudit.version_compare(kind, a, b)

# valid(kind, s) is true when s parses as a version of kind.
valid(kind, s) if kaudit.version_compare(kind, s, s) == 0
