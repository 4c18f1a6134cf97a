//! `cargo xtask bench contacts`: the marketer's and the DPO's side at scale, against the release
//! collector (`samtycke serve`, its own process) on SQLite and on PostgreSQL.
//!
//! Seeds `SAMTYCKE_BENCH_CONTACTS` (default 1,000,000) contacts, each with a device subject, a
//! receipt and a decision on three purposes. The fast seeding path: the contacts' vault keys and
//! sealed e-mail addresses are real (made with the collector's own vault code, so that every
//! exported row is decrypted and masked as in production), but the rows are written with
//! multi-row SQL straight into the database, and the receipts are placeholders (the queries
//! measured never read a receipt's JWT). Then prints, per backend: the count of one purpose and
//! state, the first JSON page, the whole granted selection streamed as CSV (rows/s, and the
//! collector's peak RSS before and after: flat means streamed), and a 100,000-row import through
//! `samtycke import`.
//!
//! A seed is kept in `target/bench/contacts-seed/` (and, for PostgreSQL, as a database on the
//! server) and reused by later runs with the same count, each of which measures a copy;
//! `SAMTYCKE_BENCH_FRESH_SEED=1` (`cargo xtask bench contacts --fresh-seed`) seeds anew.

#[path = "../common/postgres.rs"]
mod postgres;
#[path = "../common/process.rs"]
mod process;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use samtycke_collector::domain::access::{Access, Role};
use samtycke_collector::domain::contacts::identifiers::{ContactIdentifier, IdentifierKind};
use samtycke_collector::domain::contacts::vault::ContactVault;
use samtycke_collector::keys::DataKeys;
use samtycke_collector::store::Backend;

const ORIGIN: &str = "http://shop.example";
const PURPOSES: [&str; 3] = ["newsletter", "analytics", "ads"];
const SEED_CHUNK: usize = 2_000;
const IMPORT_ROWS: usize = 100_000;

fn policy_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/policies/demo.json")
}

/// A blob as an SQL literal of the backend.
fn blob(backend: Backend, bytes: &[u8]) -> String {
    match backend {
        Backend::Sqlite => format!("x'{}'", hex::encode(bytes)),
        Backend::Postgres => format!("'\\x{}'::bytea", hex::encode(bytes)),
    }
}

/// A connection for the seeding's generated SQL, on either backend.
enum Seeder {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Seeder {
    /// One connection: SQLite with a page cache that holds the indexes being filled and no
    /// fsync (a seed that dies half-way is thrown away, never used), PostgreSQL as it is.
    async fn connect(url: &str) -> anyhow::Result<Self> {
        Ok(match Backend::of(url)? {
            Backend::Sqlite => {
                use std::str::FromStr as _;
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                    .pragma("synchronous", "OFF")
                    .pragma("cache_size", "-4000000");
                Self::Sqlite(
                    sqlx::sqlite::SqlitePoolOptions::new()
                        .max_connections(1)
                        .connect_with(options)
                        .await?,
                )
            }
            Backend::Postgres => Self::Postgres(sqlx::PgPool::connect(url).await?),
        })
    }

    /// Runs generated SQL.
    async fn execute(&self, sql: String) -> anyhow::Result<()> {
        let sql = sqlx::raw_sql(sqlx::AssertSqlSafe(sql));
        match self {
            Self::Sqlite(pool) => {
                sql.execute(pool).await?;
            }
            Self::Postgres(pool) => {
                sql.execute(pool).await?;
            }
        }
        Ok(())
    }

    async fn close(self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// A contact's id from its number, so that SQL can make its subject's rows.
fn subject(i: usize) -> String {
    format!("seed-{i:08}")
}

/// Seeds `count` contacts (see the module's doc).
async fn seed(url: &str, key_dir: &Path, count: usize) -> anyhow::Result<()> {
    let backend = Backend::of(url)?;
    let db = Seeder::connect(url).await?;
    let vault = ContactVault::new(Arc::new(DataKeys::load_or_create(key_dir)?));
    let now = samtycke_collector::time::now_unix();
    let series = match backend {
        Backend::Sqlite => format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {})",
            count - 1
        ),
        Backend::Postgres => format!("WITH n(i) AS (SELECT generate_series(0, {}))", count - 1),
    };
    let subject_sql = match backend {
        Backend::Sqlite => "printf('seed-%08d', i)",
        Backend::Postgres => "'seed-' || lpad(i::text, 8, '0')",
    };
    // Receipts and the devices' current state, made by the database itself. Decisions: 60 %
    // granted (a tenth of them expired), 25 % denied, 15 % withdrawn, per purpose.
    db.execute(format!(
        "{series} INSERT INTO receipts (sequence, receipt_id, site, subject, request_sha256, \
             receipt, receipt_sha256, prev_receipt_sha256, policy_version, collection_method, \
             consent_timestamp, issued_at) SELECT i + 1, {subject_sql} , 'demo', {subject_sql}, \
             'seeded', 'seeded', 'seeded', NULL, 1, 'form', {now}, {now} FROM n"
    ))
    .await?;
    for (p, purpose) in PURPOSES.iter().enumerate() {
        db.execute(format!(
            "{series} INSERT INTO consent_state (site, subject, purpose, decision, \
                 consent_timestamp, receipt_sequence, decided_at, expires_at) \
                 SELECT 'demo', {subject_sql}, '{purpose}', \
                 CASE WHEN (i * 7 + {p}) % 20 < 12 THEN 'granted' \
                      WHEN (i * 7 + {p}) % 20 < 17 THEN 'denied' ELSE 'withdrawn' END, \
                 {now}, i + 1, {now}, \
                 CASE WHEN (i * 7 + {p}) % 20 = 0 THEN {now} - 1 ELSE {now} + 31536000 END FROM n"
        ))
        .await?;
    }
    // The contacts, with real keys and sealed addresses, made on every core.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    for start in (0..count).step_by(SEED_CHUNK * cores) {
        let chunks: Vec<anyhow::Result<[String; 3]>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..cores)
                .map(|core| {
                    let vault = &vault;
                    scope.spawn(move || {
                        let from = start + core * SEED_CHUNK;
                        let to = (from + SEED_CHUNK).min(count);
                        contact_rows(vault, backend, from, to, now)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("panicked")))
                })
                .collect()
        });
        for chunk in chunks {
            let [contacts, identifiers, subjects] = chunk?;
            if contacts.is_empty() {
                continue;
            }
            db.execute(
                format!(
                    "INSERT INTO contacts (person_id, created_at, updated_at, basis, \
                     consent_date, consent_purpose, source, key_id, wrapped_key) VALUES {contacts}; \
                     INSERT INTO contact_identifiers (lookup, person_id, kind, sealed) \
                     VALUES {identifiers}; \
                     INSERT INTO contact_subjects (person_id, subject) VALUES {subjects};"
                ),
            )
            .await?;
        }
        eprint!(
            "\r  seeded {} of {count} contacts ({:.0} s)",
            (start + SEED_CHUNK * cores).min(count),
            started.elapsed().as_secs_f64()
        );
    }
    eprintln!();
    db.execute(
        "INSERT INTO contact_consent_state (person_id, site, purpose, decision, decided_at, \
         expires_at, receipt_sequence) SELECT cs.person_id, s.site, s.purpose, s.decision, \
         s.decided_at, s.expires_at, s.receipt_sequence FROM consent_state s \
         JOIN contact_subjects cs ON cs.subject = s.subject"
            .to_owned(),
    )
    .await?;
    // As autovacuum would leave a table after a while: statistics, and the visibility map that
    // lets PostgreSQL count from the index alone.
    let analyze = match backend {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "VACUUM ANALYZE",
    };
    db.execute(analyze.to_owned()).await?;
    db.close().await;
    Ok(())
}

/// The VALUES of contacts `from..to`: contacts, identifiers, subject links.
fn contact_rows(
    vault: &ContactVault,
    backend: Backend,
    from: usize,
    to: usize,
    now: i64,
) -> anyhow::Result<[String; 3]> {
    let (mut contacts, mut identifiers, mut subjects) = (Vec::new(), Vec::new(), Vec::new());
    for i in from..to {
        let (open, key) = vault.create()?;
        let person = open.person_id();
        let email =
            ContactIdentifier::parse(IdentifierKind::Email, &format!("person{i}@example.se"))?;
        let sealed = vault.seal_identifier(&open, &email)?;
        contacts.push(format!(
            "('{person}', {now}, {now}, 'consent', '2026-11-01', 'newsletter', 'form', '{}', {})",
            key.key_id,
            blob(backend, &key.wrapped)
        ));
        identifiers.push(format!(
            "('{}', '{person}', 'email', {})",
            sealed.lookup,
            blob(backend, &sealed.sealed)
        ));
        subjects.push(format!("('{person}', '{}')", subject(i)));
    }
    Ok([
        contacts.join(","),
        identifiers.join(","),
        subjects.join(","),
    ])
}

/// Median wall time of `runs` GETs, in milliseconds.
fn median_ms(agent: &ureq::Agent, url: &str, token: &str, runs: usize) -> anyhow::Result<f64> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let mut response = agent
            .get(url)
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .with_context(|| format!("GET {url}"))?;
        let _ = response.body_mut().read_to_vec()?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

struct Row {
    backend: &'static str,
    seed_secs: f64,
    count_ms: f64,
    count: String,
    page_ms: f64,
    csv_rows: usize,
    csv_per_sec: f64,
    rss_before: f64,
    rss_after: f64,
    import_secs: f64,
}

/// Bump when what `seed` writes changes: a kept seed of another version is made anew.
const SEED_VERSION: u32 = 1;

/// A seeded database kept between runs (seeding a million contacts takes minutes): per backend
/// and contact count, a database with the key directory its vaults were sealed under. Each run
/// measures a copy, so the import never changes the seed.
struct KeptSeed {
    /// `target/bench/contacts-seed/<backend>-<count>-v<version>/`.
    dir: PathBuf,
    /// The seed database's URL.
    url: String,
}

impl KeptSeed {
    fn new(backend: Backend, count: usize) -> anyhow::Result<Self> {
        let name = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/bench/contacts-seed")
            .join(format!("{name}-{count}-v{SEED_VERSION}"));
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.join("contacts.db").display()),
            Backend::Postgres => format!(
                "{}/samtycke_bench_seed_{count}_v{SEED_VERSION}",
                postgres::server()
            ),
        };
        Ok(Self { dir, url })
    }

    fn key_dir(&self) -> PathBuf {
        self.dir.join("keys")
    }

    /// The seconds the kept seed took, if it is complete (its last step records them).
    async fn seeded_secs(&self) -> Option<f64> {
        if !self.key_dir().is_dir() {
            return None;
        }
        let query = "SELECT seconds FROM bench_seed";
        match Backend::of(&self.url).ok()? {
            Backend::Sqlite => {
                let file = self.dir.join("contacts.db");
                if !file.is_file() {
                    return None;
                }
                let pool = sqlx::SqlitePool::connect(&self.url).await.ok()?;
                let seconds = sqlx::query_scalar(query).fetch_one(&pool).await.ok();
                pool.close().await;
                seconds
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.ok()?;
                let seconds = sqlx::query_scalar(query).fetch_one(&pool).await.ok();
                pool.close().await;
                seconds
            }
        }
    }

    /// Seeds anew, unless a complete seed of this version is kept; answers the seconds seeding
    /// took (then or now).
    async fn ensure(&self, count: usize) -> anyhow::Result<f64> {
        let fresh = std::env::var_os("SAMTYCKE_BENCH_FRESH_SEED").is_some_and(|v| v == "1");
        if let Some(seconds) = self.seeded_secs().await.filter(|_| !fresh) {
            eprintln!("  the seed kept in {} is used", self.dir.display());
            return Ok(seconds);
        }
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)?;
        }
        std::fs::create_dir_all(&self.dir)?;
        if Backend::of(&self.url)? == Backend::Postgres {
            let name = self.url.rsplit('/').next().unwrap_or_default();
            postgres::fresh_database(name).await?;
        }
        // Migrated (and for PostgreSQL created) by the collector's own code, then seeded.
        let store = samtycke_collector::store::connect(&self.url).await?;
        drop(store);
        let started = Instant::now();
        seed(&self.url, &self.key_dir(), count).await?;
        let seconds = started.elapsed().as_secs_f64();
        let db = Seeder::connect(&self.url).await?;
        db.execute(format!(
            "CREATE TABLE bench_seed (seconds DOUBLE PRECISION NOT NULL); \
             INSERT INTO bench_seed VALUES ({seconds})"
        ))
        .await?;
        if Backend::of(&self.url)? == Backend::Sqlite {
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)".to_owned())
                .await?;
        }
        db.close().await;
        Ok(seconds)
    }

    /// A copy of the seed to measure: its database at `url` and its keys in `key_dir`.
    async fn copy_to(&self, url: &str, key_dir: &Path) -> anyhow::Result<()> {
        copy(&self.key_dir(), key_dir)?;
        match Backend::of(url)? {
            Backend::Sqlite => {
                let to = url.trim_start_matches("sqlite://");
                copy(&self.dir.join("contacts.db"), Path::new(to))?;
                let wal = self.dir.join("contacts.db-wal");
                if wal.exists() {
                    copy(&wal, Path::new(&format!("{to}-wal")))?;
                }
            }
            Backend::Postgres => {
                let name = url.rsplit('/').next().unwrap_or_default();
                let seed = self.url.rsplit('/').next().unwrap_or_default();
                let admin =
                    sqlx::PgPool::connect(&format!("{}/postgres", postgres::server())).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "CREATE DATABASE {name} TEMPLATE {seed}"
                )))
                .execute(&admin)
                .await?;
                admin.close().await;
            }
        }
        Ok(())
    }
}

/// `cp -a`: the key files keep their modes, and a large file is copied by the kernel.
fn copy(from: &Path, to: &Path) -> anyhow::Result<()> {
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()?;
    anyhow::ensure!(
        status.success(),
        "cp -a {} {}",
        from.display(),
        to.display()
    );
    Ok(())
}

async fn measure(backend: &'static str, url: String, contacts: usize) -> anyhow::Result<Row> {
    let dir = tempfile::tempdir()?;
    std::fs::copy(policy_path(), dir.path().join("policy.json"))?;
    let key_dir = dir.path().join("keys");
    let config = dir.path().join("samtycke.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = {url:?}\nkey_dir = {key_dir:?}\n\n[[sites]]\nid = \"demo\"\n\
             allowed_origins = [{ORIGIN:?}]\npolicy = \"policy.json\"\n\n\
             # One client: the limits would measure themselves.\n\
             [rate_limits]\nenabled = false\n\n\
             # The demo policy asks for double opt-in: its mail goes into a folder.\n\
             [mail]\nfrom = \"Bench <bench@shop.example>\"\nfolder = \"mail\"\n",
        ),
    )?;
    let kept = KeptSeed::new(Backend::of(&url)?, contacts)?;
    let seed_secs = kept.ensure(contacts).await?;
    eprintln!("  seeded in {seed_secs:.1} s");
    kept.copy_to(&url, &key_dir).await?;
    let store = samtycke_collector::store::connect(&url).await?;
    let token = Access::new(Arc::clone(&store))
        .create_key("bench", Role::Dpo, "bench")
        .await?
        .token;
    drop(store);

    let collector = process::Collector::start(&config)?;
    let base = format!("http://127.0.0.1:{}", collector.port);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    let count_url = format!("{base}/v1/contacts/count?site=demo&purpose=newsletter&state=granted");
    let _ = median_ms(&agent, &count_url, &token, 2)?; // warm the caches
    let count_ms = median_ms(&agent, &count_url, &token, 11)?;
    let count = agent
        .get(&count_url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()?
        .body_mut()
        .read_to_string()?;
    let page_url = format!("{base}/v1/contacts?site=demo&purpose=newsletter&limit=100");
    let _ = median_ms(&agent, &page_url, &token, 2)?;
    let page_ms = median_ms(&agent, &page_url, &token, 11)?;

    let rss_before = collector.peak_rss_mib();
    let started = Instant::now();
    let mut response = agent
        .get(&format!(
            "{base}/v1/contacts/export?site=demo&purpose=newsletter"
        ))
        .header("Authorization", &format!("Bearer {token}"))
        .call()?;
    let mut reader = response.body_mut().as_reader();
    let mut buffer = vec![0u8; 1 << 16];
    let mut lines = 0usize;
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        lines += buffer[..read].iter().filter(|b| **b == b'\n').count();
    }
    let csv_secs = started.elapsed().as_secs_f64();
    let csv_rows = lines.saturating_sub(1);
    eprintln!(
        "  count {count_ms:.1} ms, page {page_ms:.1} ms, CSV {csv_rows} rows in {csv_secs:.1} s"
    );
    let rss_after = collector.peak_rss_mib();
    drop(collector);

    let file = dir.path().join("import.csv");
    let mut csv = String::from("Email ID,First name,Last name,Consent date,Consent purpose\n");
    for i in 0..IMPORT_ROWS {
        csv.push_str(&format!(
            "imported{i}@example.org,First{i},Last{i},2026-11-{:02},newsletter\n",
            1 + i % 28
        ));
    }
    std::fs::write(&file, csv)?;
    let started = Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_samtycke"))
        .args(["import"])
        .arg(&file)
        .args(["--site", "demo", "--basis", "consent", "--config"])
        .arg(&config)
        .env("RUST_LOG", "warn")
        .output()?;
    let import_secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        output.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("  {}", String::from_utf8_lossy(&output.stdout).trim());
    Ok(Row {
        backend,
        seed_secs,
        count_ms,
        count: count.trim().to_owned(),
        page_ms,
        csv_rows,
        csv_per_sec: csv_rows as f64 / csv_secs,
        rss_before,
        rss_after,
        import_secs,
    })
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let contacts: usize = std::env::var("SAMTYCKE_BENCH_CONTACTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let backends =
        std::env::var("SAMTYCKE_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    let sqlite_dir = tempfile::tempdir()?;
    let mut rows = Vec::new();
    for backend in backends.split(',').map(str::trim) {
        let (name, url) = match backend {
            "sqlite" => {
                let file = sqlite_dir.path().join("contacts.db");
                ("SQLite", format!("sqlite://{}", file.display()))
            }
            "postgres" => (
                "PostgreSQL",
                postgres::fresh_database("samtycke_bench_contacts").await?,
            ),
            other => anyhow::bail!("unknown backend {other}"),
        };
        eprintln!("bench contacts: {name}, {contacts} contacts");
        rows.push(measure(name, url, contacts).await?);
    }
    println!();
    println!(
        "{} contacts, 3 purposes; count and page: median of 11 warm requests; CSV: the granted \
         newsletter selection, masked (DPO: clear), streamed; import: {IMPORT_ROWS} new contacts \
         with consent rows through `samtycke import`",
        contacts
    );
    println!();
    println!(
        "{:<11} {:>9} {:>10} {:>9} {:>10} {:>12} {:>18} {:>12} {:>11}",
        "backend",
        "seed s",
        "count ms",
        "page ms",
        "CSV rows",
        "CSV rows/s",
        "RSS before→after",
        "import s",
        "import/s"
    );
    for row in rows {
        println!(
            "{:<11} {:>9.1} {:>10.1} {:>9.1} {:>10} {:>12.0} {:>8.1}→{:>5.1} MiB {:>12.1} {:>11.0}",
            row.backend,
            row.seed_secs,
            row.count_ms,
            row.page_ms,
            row.csv_rows,
            row.csv_per_sec,
            row.rss_before,
            row.rss_after,
            row.import_secs,
            IMPORT_ROWS as f64 / row.import_secs
        );
        eprintln!("  {}: count answered {}", row.backend, row.count);
    }
    Ok(())
}
