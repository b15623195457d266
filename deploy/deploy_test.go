// Package deploy holds no code: the Kubernetes manifests (kubernetes/) and
// CI examples (ci/) of sharded audits, which these tests check. The
// manifests are decoded strictly with the official Kubernetes API types
// (k8s.io/api through sigs.k8s.io/yaml, which rejects unknown and duplicate
// fields), so a typo in a field name or a value of the wrong type fails here
// rather than at kubectl apply; then what the types cannot say is checked:
// the shard count agrees everywhere, every volume names an object shipped
// here, the inventory parses and names the Secret's files.
package deploy

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/kaudit/kaudit/inventory"
)

// objects are the decoded manifests by kind and name.
type objects struct {
	jobs       map[string]*batchv1.Job
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
	pvcs       map[string]*corev1.PersistentVolumeClaim
	namespaces map[string]*corev1.Namespace
}

func decodeAll(t *testing.T) objects {
	t.Helper()
	o := objects{map[string]*batchv1.Job{}, map[string]*corev1.ConfigMap{}, map[string]*corev1.Secret{}, map[string]*corev1.PersistentVolumeClaim{}, map[string]*corev1.Namespace{}}
	files, _ := filepath.Glob("kubernetes/*.yaml")
	more, _ := filepath.Glob("kubernetes/*/*.yaml")
	files = append(files, more...)
	if len(files) < 6 {
		t.Fatalf("manifests: %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(data, []byte("\n---\n")) {
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s #%d: %v", f, i, err)
			}
			var obj interface{ GetName() string }
			switch meta.APIVersion + " " + meta.Kind {
			case "batch/v1 Job":
				obj = &batchv1.Job{}
			case "v1 ConfigMap":
				obj = &corev1.ConfigMap{}
			case "v1 Secret":
				obj = &corev1.Secret{}
			case "v1 PersistentVolumeClaim":
				obj = &corev1.PersistentVolumeClaim{}
			case "v1 Namespace":
				obj = &corev1.Namespace{}
			default:
				t.Fatalf("%s #%d: unexpected %s %s", f, i, meta.APIVersion, meta.Kind)
			}
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				t.Fatalf("%s #%d: %v", f, i, err)
			}
			name := obj.GetName()
			if name == "" {
				t.Fatalf("%s #%d: no metadata.name", f, i)
			}
			switch x := obj.(type) {
			case *batchv1.Job:
				o.jobs[name] = x
			case *corev1.ConfigMap:
				o.configMaps[name] = x
			case *corev1.Secret:
				o.secrets[name] = x
			case *corev1.PersistentVolumeClaim:
				o.pvcs[name] = x
			case *corev1.Namespace:
				o.namespaces[name] = x
			}
		}
	}
	return o
}

func TestStrictDecodingRejectsTypos(t *testing.T) {
	var j batchv1.Job
	if err := yaml.UnmarshalStrict([]byte("apiVersion: batch/v1\nkind: Job\nspec:\n  completionMod: Indexed\n"), &j); err == nil {
		t.Error("a misspelt field decodes")
	}
	if err := yaml.UnmarshalStrict([]byte("apiVersion: batch/v1\nkind: Job\nspec:\n  completions: four\n"), &j); err == nil {
		t.Error("a string completions decodes")
	}
}

func env(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func TestKubernetesManifests(t *testing.T) {
	o := decodeAll(t)
	shards, merge := o.jobs["kaudit-shards"], o.jobs["kaudit-merge"]
	if shards == nil || merge == nil {
		t.Fatalf("jobs: %v", o.jobs)
	}
	// The shards: an Indexed Job whose completions, parallelism and SHARDS
	// agree, passing JOB_COMPLETION_INDEX as K.
	spec := shards.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("shards: completionMode %v, want Indexed", spec.CompletionMode)
	}
	if spec.Completions == nil || spec.Parallelism == nil {
		t.Fatal("shards: completions and parallelism must be set")
	}
	n := int(*spec.Completions)
	sc := spec.Template.Spec.Containers[0]
	if got, _ := strconv.Atoi(env(sc, "SHARDS")); got != n || int(*spec.Parallelism) != n {
		t.Errorf("shards: completions %d, parallelism %d, SHARDS %q", n, *spec.Parallelism, env(sc, "SHARDS"))
	}
	if got, _ := strconv.Atoi(env(merge.Spec.Template.Spec.Containers[0], "SHARDS")); got != n {
		t.Errorf("merge waits for SHARDS=%d reports, the shards Job makes %d", got, n)
	}
	script := strings.Join(append(sc.Command, sc.Args...), " ")
	for _, want := range []string{`--shard "$JOB_COMPLETION_INDEX/$SHARDS"`, "json=/reports/shards/shard-$JOB_COMPLETION_INDEX.json", "case \"$rc\" in 0|1|3) exit 0"} {
		if !strings.Contains(script, want) {
			t.Errorf("shard script lacks %q:\n%s", want, script)
		}
	}
	mc := merge.Spec.Template.Spec.Containers[0]
	mscript := strings.Join(append(mc.Command, mc.Args...), " ")
	for _, want := range []string{"kaudit merge -i /etc/kaudit/inventory/inventory.hcl", "/reports/shards/shard-*.json", "json=$out/report.json"} {
		if !strings.Contains(mscript, want) {
			t.Errorf("merge script lacks %q", want)
		}
	}
	for _, j := range []*batchv1.Job{shards, merge} {
		ps := j.Spec.Template.Spec
		if ps.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("%s: restartPolicy %s", j.Name, ps.RestartPolicy)
		}
		if j.Namespace != "kaudit" || o.namespaces[j.Namespace] == nil {
			t.Errorf("%s: namespace %q not shipped", j.Name, j.Namespace)
		}
		// Every volume names a shipped object; every mount a volume.
		vols := map[string]corev1.Volume{}
		for _, v := range ps.Volumes {
			vols[v.Name] = v
			switch {
			case v.ConfigMap != nil && o.configMaps[v.ConfigMap.Name] == nil:
				t.Errorf("%s: volume %s: no ConfigMap %s", j.Name, v.Name, v.ConfigMap.Name)
			case v.Secret != nil && o.secrets[v.Secret.SecretName] == nil:
				t.Errorf("%s: volume %s: no Secret %s", j.Name, v.Name, v.Secret.SecretName)
			case v.PersistentVolumeClaim != nil && o.pvcs[v.PersistentVolumeClaim.ClaimName] == nil:
				t.Errorf("%s: volume %s: no claim %s", j.Name, v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
		for _, c := range ps.Containers {
			for _, m := range c.VolumeMounts {
				if _, ok := vols[m.Name]; !ok {
					t.Errorf("%s: mount %s: no such volume", j.Name, m.Name)
				}
			}
		}
	}
	if pvc := o.pvcs["kaudit-reports"]; pvc == nil || !slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		t.Errorf("reports claim must be ReadWriteMany (shards on several nodes): %v", pvc)
	}
}

// TestInventoryConfigMap: the inventory the shards mount parses, and its key
// and known_hosts are the Secret's files where the shard Job mounts them.
func TestInventoryConfigMap(t *testing.T) {
	o := decodeAll(t)
	cm := o.configMaps["kaudit-inventory"]
	if cm == nil {
		t.Fatal("no ConfigMap kaudit-inventory")
	}
	path := filepath.Join(t.TempDir(), "inventory.hcl")
	if err := os.WriteFile(path, []byte(cm.Data["inventory.hcl"]), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, _, diags := inventory.Load([]string{path}, inventory.LoadOptions{})
	if diags.HasErrors() {
		t.Fatalf("inventory: %v", diags)
	}
	hosts, err := inv.Select(nil)
	if err != nil || len(hosts) == 0 {
		t.Fatalf("inventory hosts: %d, %v", len(hosts), err)
	}
	var sshMount string
	for _, m := range o.jobs["kaudit-shards"].Spec.Template.Spec.Containers[0].VolumeMounts {
		if m.Name == "ssh" {
			sshMount = m.MountPath
		}
	}
	secret := o.secrets["kaudit-ssh"]
	text := cm.Data["inventory.hcl"]
	for _, key := range []string{"identity_file", "known_hosts"} {
		m := regexp.MustCompile(key + `\s*=\s*"([^"]+)"`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("inventory sets no %s", key)
		}
		dir, file := filepath.Split(m[1])
		if filepath.Clean(dir) != sshMount {
			t.Errorf("%s %s is not under the Secret's mount %s", key, m[1], sshMount)
		}
		if _, ok := secret.StringData[file]; !ok {
			t.Errorf("%s names %s, which the Secret does not have", key, file)
		}
	}
}

// TestCIExamples: the matrix examples shard as the manifests do (K from 0),
// keep every shard's report and merge them in a job that needs them all.
func TestCIExamples(t *testing.T) {
	load := func(path string) map[string]any {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.UnmarshalStrict(b, &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return m
	}
	script := func(v any) string {
		var b strings.Builder
		for _, l := range v.([]any) {
			b.WriteString(l.(string) + "\n")
		}
		return b.String()
	}

	gl := load("ci/gitlab-ci.yml")
	shard := gl["kaudit-shard"].(map[string]any)
	if shard["parallel"] == nil {
		t.Error("gitlab: kaudit-shard has no parallel:")
	}
	if s := script(shard["script"]); !strings.Contains(s, `--shard "$((CI_NODE_INDEX - 1))/$CI_NODE_TOTAL"`) {
		t.Errorf("gitlab: shard script does not map CI_NODE_INDEX (1-based) to K (0-based):\n%s", s)
	}
	mergeJob := gl["kaudit-merge"].(map[string]any)
	if s := script(mergeJob["script"]); !strings.Contains(s, "kaudit merge") || !strings.Contains(s, "shards/shard-*.json") {
		t.Errorf("gitlab: merge script: %s", s)
	}
	if needs := mergeJob["needs"].([]any); len(needs) != 1 || needs[0].(map[string]any)["job"] != "kaudit-shard" {
		t.Errorf("gitlab: merge needs %v", needs)
	}

	gh := load("ci/github-actions.yml")
	jobs := gh["jobs"].(map[string]any)
	sj := jobs["shard"].(map[string]any)
	matrix := sj["strategy"].(map[string]any)["matrix"].(map[string]any)["shard"].([]any)
	total, _ := strconv.Atoi(strings.TrimSpace(strings.Split(strings.TrimSpace(string(must(yaml.Marshal(gh["env"].(map[string]any)["SHARDS"])))), "\n")[0]))
	if len(matrix) != total {
		t.Errorf("github: matrix has %d shards, SHARDS is %d", len(matrix), total)
	}
	for i, k := range matrix {
		if k.(float64) != float64(i) {
			t.Errorf("github: matrix.shard[%d] = %v, want %d (K from 0)", i, k, i)
		}
	}
	var steps strings.Builder
	for _, s := range sj["steps"].([]any) {
		if run, ok := s.(map[string]any)["run"].(string); ok {
			steps.WriteString(run)
		}
	}
	if !strings.Contains(steps.String(), `--shard "${{ matrix.shard }}/$SHARDS"`) {
		t.Errorf("github: shard step does not pass matrix.shard: %s", steps.String())
	}
	mj := jobs["merge"].(map[string]any)
	if mj["needs"] != "shard" {
		t.Errorf("github: merge needs %v", mj["needs"])
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// runScript runs a Job's container script with /bin/sh, /reports moved to a
// temporary directory and kaudit replaced by a stub that records its
// arguments and exits with rc.
func runScript(t *testing.T, c corev1.Container, envs map[string]string, rc int) (code int, args string, reports string) {
	t.Helper()
	dir := t.TempDir()
	reports = filepath.Join(dir, "reports")
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	stub := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + filepath.Join(dir, "args") + "\nexit " + strconv.Itoa(rc) + "\n"
	if err := os.WriteFile(filepath.Join(bin, "kaudit"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	if len(c.Command) != 2 || c.Command[0] != "/bin/sh" || c.Command[1] != "-c" || len(c.Args) != 1 {
		t.Fatalf("%s: want command [/bin/sh -c] and one script argument", c.Name)
	}
	script := strings.ReplaceAll(c.Args[0], "/reports", reports)
	script = strings.ReplaceAll(script, "sleep 15", "sleep 0.01")
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
	for _, e := range c.Env {
		cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
	}
	for k, v := range envs {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v\n%s", c.Name, err, out)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "args"))
	return code, string(b), reports
}

// TestJobScripts runs the shard and merge scripts: the shard passes
// JOB_COMPLETION_INDEX/SHARDS and succeeds for exit 0, 1 and 3 only; the
// merge waits for every shard's report, merges them in a run directory and
// exits with kaudit merge's code.
func TestJobScripts(t *testing.T) {
	o := decodeAll(t)
	sc := o.jobs["kaudit-shards"].Spec.Template.Spec.Containers[0]
	for rc, want := range map[int]int{0: 0, 1: 0, 3: 0, 2: 2} {
		code, args, reports := runScript(t, sc, map[string]string{"JOB_COMPLETION_INDEX": "2"}, rc)
		if code != want {
			t.Errorf("shard, kaudit exit %d: script exit %d, want %d", rc, code, want)
		}
		if !strings.Contains(args, "run -i /etc/kaudit/inventory/inventory.hcl --shard 2/4 ") || !strings.Contains(args, "json="+reports+"/shards/shard-2.json") {
			t.Errorf("shard args: %s", args)
		}
	}

	mc := o.jobs["kaudit-merge"].Spec.Template.Spec.Containers[0]
	mcWait := mc
	// Three of four reports: the script must still be waiting when killed.
	mcWait.Args = []string{"(sleep 1; kill -TERM $$) & " + mc.Args[0]}
	for _, rc := range []int{0, 1, 3} {
		c := mc
		pre := "mkdir -p /reports/shards && for k in 0 1 2 3; do echo '{}' > /reports/shards/shard-$k.json; done\n"
		c.Args = []string{pre + mc.Args[0]}
		code, args, reports := runScript(t, c, nil, rc)
		if code != rc {
			t.Errorf("merge, kaudit exit %d: script exit %d", rc, code)
		}
		runs, _ := filepath.Glob(filepath.Join(reports, "runs", "*", "shard-*.json"))
		left, _ := filepath.Glob(filepath.Join(reports, "shards", "*.json"))
		if len(runs) != 4 || len(left) != 0 {
			t.Errorf("merge: %d shard reports moved to the run directory, %d left", len(runs), len(left))
		}
		if !strings.HasPrefix(args, "merge -i /etc/kaudit/inventory/inventory.hcl ") || strings.Count(args, "/shard-") != 4 || !strings.Contains(args, "html=") {
			t.Errorf("merge args: %s", args)
		}
	}
	pre := "mkdir -p /reports/shards && for k in 0 1 2; do echo '{}' > /reports/shards/shard-$k.json; done\n"
	mcWait.Args = []string{pre + mcWait.Args[0]}
	code, args, _ := runScript(t, mcWait, nil, 0)
	if code == 0 || args != "" {
		t.Errorf("merge with 3 of 4 reports: exit %d, kaudit called with %q", code, args)
	}
}
