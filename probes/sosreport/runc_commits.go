package sosreport

// runcCommits maps a runc commit (what `docker info` prints as "runc
// version": the commit line of the default runtime's --version, moby's
// parseRuncVersion) to the version that build of runc prints: the VERSION
// file at that commit. Each entry was read from the public repositories:
// `git rev-parse TAG^{commit}` and `git show COMMIT:VERSION` in
// https://github.com/opencontainers/runc for every release tag from
// v1.0.0-rc1 (v1.0.0-rc90 tags the v1.0.0-rc10 commit);
// the untagged commits docker-ce and containerd.io shipped; and RHEL's
// fork, https://github.com/projectatomic/runc, whose docker-1.12.2 to
// docker-1.13.1-rhel branches all carry VERSION 1.0.0-rc2 (the
// docker-runc-current of RHEL's docker 1.12/1.13 packages).
var runcCommits = map[string]runcBuild{
	// untagged commits bundled by docker-ce / containerd.io
	"69663f0bd4b60df09991c08812a60108003fa340": {"1.0.0-rc5+dev", false}, // docker-ce 18.06.x (docker-runc)
	"3e425f80a8c931f88e6d94a8c831b9d5aa481657": {"1.0.0-rc8+dev", false}, // containerd.io 1.2.10
	// projectatomic/runc (RHEL's docker 1.12/1.13 docker-runc-current)
	"66aedde759f33c190954815fb765eedc1d782dd9": {"1.0.0-rc2", true}, // branch docker-1.13.1-rhel
	"9df8b306d01f59d3a8029be411de015b7304dd8f": {"1.0.0-rc2", true}, // what RHEL's docker 1.13.1 expects
	// opencontainers/runc release tags
	"84113eef6fc27af1b01b3181f31bbaf708715301": {"1.0.0", false},      // v1.0.0
	"04f275d4601ca7e5ff9460cec7f65e8dd15443ec": {"1.0.0-rc1", false},  // v1.0.0-rc1
	"c91b5bea4830a57eac7882d7455d59518cdf70ec": {"1.0.0-rc2", false},  // v1.0.0-rc2
	"75f8da7c889acc4509a0cf6f0d3a8f9584778375": {"1.0.0-rc3", false},  // v1.0.0-rc3
	"2e7cfe036e2c6dc51ccca6eb7fa3ee6b63976dcd": {"1.0.0-rc4", false},  // v1.0.0-rc4
	"4fc53a81fb7c994640722ac585fa9ca548971871": {"1.0.0-rc5", false},  // v1.0.0-rc5
	"ccb5efd37fb7c86364786e9137e22948751de7ed": {"1.0.0-rc6", false},  // v1.0.0-rc6
	"69ae5da6afdcaaf38285a10b36f362e41cb298d6": {"1.0.0-rc7", false},  // v1.0.0-rc7
	"425e105d5a03fabd737a126ad93d62a9eeede87f": {"1.0.0-rc8", false},  // v1.0.0-rc8
	"d736ef14f0288d6993a1845745d6756cfc9ddd5a": {"1.0.0-rc9", false},  // v1.0.0-rc9
	"dc9208a3303feef5b3839f4323d9beb36df0a9dd": {"1.0.0-rc10", false}, // v1.0.0-rc10 (also tagged v1.0.0-rc90)
	"24a3cf88a7ae5f4995f6750654c0e2ca61ef4bb2": {"1.0.0-rc91", false}, // v1.0.0-rc91
	"ff819c7e9184c13b7c2607fe6c30ae19403a7aff": {"1.0.0-rc92", false}, // v1.0.0-rc92
	"12644e614e25b05da6fd08a38ffa0cfe1903fdec": {"1.0.0-rc93", false}, // v1.0.0-rc93
	"2c7861bc5e1b3e756392236553ec14a78a09f8bf": {"1.0.0-rc94", false}, // v1.0.0-rc94
	"b9ee9c6314599f1b4a7f497e1f1f856fe433d3b7": {"1.0.0-rc95", false}, // v1.0.0-rc95
	"4144b63817ebcc5b358fc2c8ef95f7cddd709aa7": {"1.0.1", false},      // v1.0.1
	"52b36a2dd837e8462de8e01458bf02cf9eea47dd": {"1.0.2", false},      // v1.0.2
	"f46b6ba2c9314cfc8caae24a32ec5fe9ef1059fe": {"1.0.3", false},      // v1.0.3
	"067aaf8548d78269dcb2c13b856775e27c410f9c": {"1.1.0", false},      // v1.1.0
	"52de29d7e0f8c0899bd7efb8810dd07f0073fa87": {"1.1.1", false},      // v1.1.1
	"a916309fff0f838eb94e928713dbc3c0d0ac7aa4": {"1.1.2", false},      // v1.1.2
	"6724737f999df9ee0d8ca5c6d7b81f97adc34374": {"1.1.3", false},      // v1.1.3
	"5fd4c4d144137e991c4acebb2146ab1483a97925": {"1.1.4", false},      // v1.1.4
	"f19387a6bec4944c770f7668ab51c4348d9c2f38": {"1.1.5", false},      // v1.1.5
	"0f48801a0e21e3f0bc4e74643ead2a502df4818d": {"1.1.6", false},      // v1.1.6
	"860f061b76bb4fc671f0f9e900f7d80ff93d4eb7": {"1.1.7", false},      // v1.1.7
	"82f18fe0e44a59034f3e1f45e475fa5636e539aa": {"1.1.8", false},      // v1.1.8
	"ccaecfcbc907d70a7aa870a6650887b901b25b82": {"1.1.9", false},      // v1.1.9
	"18a0cb0f32bcac2ecc9a10f327d282759c144dab": {"1.1.10", false},     // v1.1.10
	"4bccb38cc9cf198d52bebf2b3a90cd14e7af8c06": {"1.1.11", false},     // v1.1.11
	"51d5e94601ceffbbd85688df1c928ecccbfa4685": {"1.1.12", false},     // v1.1.12
	"58aa9203c123022138b22cf96540c284876a7910": {"1.1.13", false},     // v1.1.13
	"2c9f5602f0ba3d9da1c2596322dfc4e156844890": {"1.1.14", false},     // v1.1.14
	"bc20cb4497af9af01bea4a8044f1678ffca2745c": {"1.1.15", false},     // v1.1.15
	"0b9fa21be2bcba45f6d9d748b4bcf70cfbffbc19": {"1.2.0", false},      // v1.2.0
	"d7735e388ef5eecbd60d93bfbe5afe0f3fbc8a6b": {"1.2.1", false},      // v1.2.1
	"7cb363254b69e10320360b63fb73e0ffb5da7bf2": {"1.2.2", false},      // v1.2.2
	"0d37cfd4b557771e555a184d5a78d0ed4bdb79a5": {"1.2.3", false},      // v1.2.3
	"6c52b3fc541fb26fe8c374d5f58112a0a5dbda66": {"1.2.4", false},      // v1.2.4
	"59923ef18c98053ddb1acf23ecba10344056c28e": {"1.2.5", false},      // v1.2.5
	"e89a29929c775025419ab0d218a43588b4c12b9a": {"1.2.6", false},      // v1.2.6
	"4774df387790afbddcd2fd905d70ecb8aec9c341": {"1.2.7", false},      // v1.2.7
	"eeb7e6024f9ee43876301b1d23c353384fa6dcdd": {"1.2.8", false},      // v1.2.8
	"6524246c68d68d792051e5401dd9126bda1b979f": {"1.2.9", false},      // v1.2.9
	"4ca628d1d4c974f92d24daccb901aa078aad748e": {"1.3.0", false},      // v1.3.0
	"e6457afc48eff1ce22dece664932395026a7105e": {"1.3.1", false},      // v1.3.1
	"aeabe4e711d903ef0ea86a4155da0f9e00eabd29": {"1.3.2", false},      // v1.3.2
	"d842d7719497cc3b774fd71620278ac9e17710e0": {"1.3.3", false},      // v1.3.3
	"d6d73eb8c60246978da649ffe75ce5c8bca8f856": {"1.3.4", false},      // v1.3.4
	"488fc13e1f2d3d73ec36d829fdf2c98e47dc5ae8": {"1.3.5", false},      // v1.3.5
	"491b69bab9fa206b984fb26ba07d3110d62e671f": {"1.3.6", false},      // v1.3.6
	"8bd78a9977e604c4d5f67a7415d7b8b8c109cdc4": {"1.4.0", false},      // v1.4.0
	"c67132530367ecd401dbe800bf13b96052212f3f": {"1.4.1", false},      // v1.4.1
	"c241c0bb5e60a8e8c1b2e53d4eca8d0068d8d57e": {"1.4.2", false},      // v1.4.2
	"bb14dabeb7185bb72c8c86735d090dcb20f36587": {"1.4.3", false},      // v1.4.3
	"c4bb59526d0c9cf3a3a46a04d08ca031749a2119": {"1.5.0", false},      // v1.5.0
	"8f2685a471d3347a686ad3909783d8aafc6bb208": {"1.5.1", false},      // v1.5.1
}
