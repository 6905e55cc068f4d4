//! A bounded fuzz run over every file kind: mutated copies of valid files (byte flips, cuts,
//! repeats, and tokens that broke parsers before: NUL, escapes, huge numbers, bidi overrides,
//! unbalanced brackets and slot tags) go through the real binary, which must never panic and must
//! exit with a documented status. `scripts/fuzz.sh` runs it longer
//! (`CEKOPS_FUZZ_CASES`, `CEKOPS_FUZZ_SEED`) and prints the counts.

use std::path::Path;

use crate::common::TestEnv;
use crate::common::fixtures::copy_overlay;
use crate::common::fixtures::fixtures_dir;

const EXT: &str = "extensions/com.example.base";

/// One file kind: the file mutated, and the command run on the result with the exit statuses
/// its `--help` documents for such input.
struct Kind {
    file: &'static str,
    args: &'static [&'static str],
    allowed: &'static [i32],
}

const KINDS: &[Kind] = &[
    Kind {
        file: "cekops.toml",
        args: &["validate", "--format", "json"],
        allowed: &[0, 1],
    },
    Kind {
        file: "extension.toml",
        args: &["validate", "--format", "json"],
        allowed: &[0, 1],
    },
    Kind {
        file: "server.toml",
        args: &["validate", "--format", "json", "--stage", "service"],
        allowed: &[0, 1],
    },
    Kind {
        file: "store.toml",
        args: &["validate", "--format", "json", "--stage", "service"],
        allowed: &[0, 1],
    },
    Kind {
        file: "interaction-model/intents/OrderCoffee.toml",
        args: &["validate", "--format", "json"],
        allowed: &[0, 1],
    },
    Kind {
        file: "interaction-model/slot-types/COFFEE_TYPE.toml",
        args: &["validate", "--format", "json"],
        allowed: &[0, 1],
    },
    Kind {
        file: "interaction-model/slot-types/COFFEE_TYPE.tsv",
        args: &["validate", "--format", "json"],
        allowed: &[0, 1],
    },
    Kind {
        file: "tests/order.toml",
        args: &["test", "--format", "json"],
        allowed: &[0, 1],
    },
    Kind {
        file: "interaction-model/intents/OrderCoffee.toml",
        args: &["fmt", "--check"],
        allowed: &[0, 1],
    },
    Kind {
        file: "alexa.json",
        args: &[
            "import",
            "alexa",
            "alexa.json",
            "--id",
            "com.example.fuzz",
            "--language",
            "ko-KR",
            "--dry-run",
        ],
        allowed: &[0, 1],
    },
];

/// Tokens that broke or nearly broke parsers and rules before.
const TOKENS: &[&str] = &[
    "\0",
    "\u{1b}[2J",
    "\u{202e}",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "=",
    ",",
    "\n",
    "\t",
    "\r\n",
    "<",
    ">",
    "</",
    "<x>",
    "</x>",
    "{x}",
    "#",
    "\\",
    "\\u0000",
    "1e300",
    "-1",
    "nan",
    "inf",
    "99999999999999999999999",
    "[[x]]",
    "x = 1",
    "{ env = \"\" }",
    "{ env = \"X\", value = \"s\" }",
    "https://u:p@h/?token=t",
    "../../.git/config",
    "Clova.",
    "CLOVA.DATETIME",
    "ー",
    "ｱ",
    "가",
    "\u{feff}",
    "\u{fffd}",
    "🍕",
];

/// A small deterministic generator (xorshift64*), so that a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Apply 1 to 4 random mutations to `bytes`.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 => {
                let end = (at + rng.below(32)).min(bytes.len());
                let piece = bytes[at..end].to_vec();
                for _ in 0..1 + rng.below(3) {
                    bytes.splice(at..at, piece.iter().copied());
                }
            }
            3 => bytes.truncate(at),
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                bytes.splice(at..at, t.iter().copied());
            }
        }
    }
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Counts {
    pub tried: usize,
    pub panics: usize,
    pub wrong_exit: usize,
    pub failures: Vec<String>,
}

/// Run `cases` mutated inputs from `seed`, cycling through every file kind.
pub fn run(cases: usize, seed: u64) -> Counts {
    let env = TestEnv::new();
    copy_overlay(&fixtures_dir().join("base"), &env.root, false);
    // `import alexa` needs a repository with a service branch
    env.git_init_commit("service", "base");
    let tsv = format!("{EXT}/interaction-model/slot-types/COFFEE_TYPE.tsv");
    let originals: Vec<(String, Vec<u8>)> = KINDS
        .iter()
        .map(|k| {
            let rel = match k.file {
                "cekops.toml" | "alexa.json" => k.file.to_string(),
                f => format!("{EXT}/{f}"),
            };
            let bytes = match k.file {
                "alexa.json" => std::fs::read(
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("tests/fixtures/alexa-samples/fact/ja-JP.json"),
                )
                .unwrap(),
                f if f.ends_with(".tsv") => "아메리카노\tamericano\n라떼\t카페라떼\tlatte\n".into(),
                _ => std::fs::read(env.path(&rel)).unwrap(),
            };
            (rel, bytes)
        })
        .collect();
    let mut rng = Rng(seed | 1);
    let mut counts = Counts::default();
    for case in 0..cases {
        let k = case % KINDS.len();
        let kind = &KINDS[k];
        let (rel, original) = &originals[k];
        let mut bytes = original.clone();
        mutate(&mut rng, &mut bytes);
        // The TSV replaces the TOML slot type for its case only.
        let toml_slot = format!("{EXT}/interaction-model/slot-types/COFFEE_TYPE.toml");
        let slot_toml = std::fs::read(env.path(&toml_slot)).ok();
        if rel == &tsv {
            let _ = std::fs::remove_file(env.path(&toml_slot));
        }
        std::fs::write(env.path(rel), &bytes).unwrap();
        let out = env.cekops(kind.args);
        counts.tried += 1;
        let bad = if out.code == 101 || out.stderr.contains("panicked at") {
            counts.panics += 1;
            true
        } else if !kind.allowed.contains(&out.code) {
            counts.wrong_exit += 1;
            true
        } else {
            false
        };
        if bad && counts.failures.len() < 5 {
            counts.failures.push(format!(
                "case {case} ({} on `{rel}`): exit {}\n--- input\n{:?}\n--- stderr\n{}",
                kind.args.join(" "),
                out.code,
                String::from_utf8_lossy(&bytes),
                out.stderr
            ));
        }
        // Back to the valid file for the next case.
        std::fs::write(env.path(rel), original).unwrap();
        if rel == &tsv {
            let _ = std::fs::remove_file(env.path(rel));
            if let Some(t) = slot_toml {
                std::fs::write(env.path(&toml_slot), t).unwrap();
            }
        }
    }
    counts
}

#[test]
#[allow(clippy::print_stderr)] // the counts are the report of `scripts/fuzz.sh`
fn test_fuzz_every_file_kind_no_panic_documented_exit_codes() {
    let cases = std::env::var("CEKOPS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(KINDS.len() * 12);
    let seed = std::env::var("CEKOPS_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_cafe);
    let c = run(cases, seed);
    eprintln!(
        "fuzz: seed {seed}: {} inputs tried, {} panics, {} wrong exit codes",
        c.tried, c.panics, c.wrong_exit
    );
    assert!(
        c.panics == 0 && c.wrong_exit == 0,
        "seed {seed}: {} panics, {} wrong exit codes\n{}",
        c.panics,
        c.wrong_exit,
        c.failures.join("\n\n")
    );
}
