//! A collector on a temporary database and key directory, plus a visitor device that signs
//! requests the way the widget does. The database is a SQLite file, or, with
//! `SAMTYCKE_TEST_BACKEND=postgres` (as `cargo xtask test` runs the suite a second time), a
//! fresh PostgreSQL database per collector on `SAMTYCKE_TEST_POSTGRES`
//! (default `postgres://postgres@127.0.0.1:5432`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use http_body_util::BodyExt as _;
use samtycke_collector::config::SiteConfig;
use samtycke_collector::domain::vault::SubjectVault;
use samtycke_collector::keys::DataKeys;
use samtycke_collector::store::Backend;
use samtycke_collector::{Application, Config};
use samtycke_shared::jose::{DeviceSigner, sha256_hex};
use samtycke_shared::{
    CollectionMethod, Decision, Policy, PurposeId, ReceiptId, ReceiptRequest, SiteId,
};
use tower::ServiceExt as _;

pub const ORIGIN: &str = "http://shop.example";

/// The demo policy shipped in the repository.
pub fn demo_policy_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/policies/demo.json")
}

/// The policy the tests' collectors serve: the demo's, with its newsletter a single opt-in (a
/// ticked box counts at once), so that tests of everything else need no mail. The mail tests
/// (`mail/`) serve the demo's own, which asks for double opt-in.
pub fn test_policy_bytes() -> Vec<u8> {
    let demo = std::fs::read_to_string(demo_policy_path()).expect("demo policy");
    let single = demo.replace("\n      \"doubleOptIn\": true,", "");
    assert_ne!(single, demo, "the demo's newsletter asks for double opt-in");
    single.into_bytes()
}

/// Writes [`test_policy_bytes`] as `dir/policy.json`.
pub fn write_test_policy(dir: &Path) {
    std::fs::write(dir.join("policy.json"), test_policy_bytes()).expect("write policy");
}

/// A collector whose files live in a temporary folder, so it can be restarted on them.
pub struct TestCollector {
    pub dir: tempfile::TempDir,
    pub router: axum::Router,
}

/// An HTTP answer, body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: axum::http::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes).unwrap_or(serde_json::Value::Null)
    }

    /// The body as text (lossy), for CSV and for messages of failed assertions.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

impl TestCollector {
    pub async fn start() -> Self {
        clean_test_databases().await;
        let dir = tempfile::tempdir().expect("tempdir");
        write_test_policy(dir.path());
        let router = Self::build(dir.path())
            .await
            .expect("collector starts")
            .router();
        Self { dir, router }
    }

    pub fn config(dir: &Path) -> Config {
        let mut config = Config::empty();
        config.listen = "127.0.0.1:0".parse().expect("addr");
        config.database_url = database_url(dir);
        config.key_dir = dir.join("keys");
        config.sites = vec![SiteConfig {
            id: "demo".into(),
            allowed_origins: vec![ORIGIN.into()],
            policy: dir.join("policy.json"),
            widget: Default::default(),
            mail_from: None,
            mail_templates: None,
            retention: Default::default(),
        }];
        config
    }

    /// A collector that also serves the demo's pages and a built widget (a minimal one written
    /// into its folder: what `cargo xtask dist` writes, without the app).
    pub async fn start_serving_pages() -> Self {
        clean_test_databases().await;
        let dir = tempfile::tempdir().expect("tempdir");
        write_test_policy(dir.path());
        let dist = dir.path().join("dist");
        std::fs::create_dir_all(dist.join("assets/0123")).expect("assets");
        std::fs::write(
            dist.join("manifest.json"),
            r#"{"app": "/assets/0123/app.js", "wasm": "/assets/0123/app.wasm"}"#,
        )
        .expect("manifest");
        std::fs::write(dist.join("loader.js"), "var c=__SAMTYCKE_CONFIG__;").expect("loader");
        std::fs::write(dist.join("assets/0123/app.js"), "export default 1;").expect("app");
        let mut config = Self::config(dir.path());
        config.pages_dir = Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/demo"));
        config.assets_dir = Some(dist);
        let router = Application::build(config)
            .await
            .expect("collector starts")
            .router();
        Self { dir, router }
    }

    pub async fn build(
        dir: &Path,
    ) -> Result<Application, samtycke_collector::startup::StartupError> {
        clean_test_databases().await;
        Application::build(Self::config(dir)).await
    }

    /// Stops this instance and starts a new one on the same files.
    pub async fn restart(self) -> Self {
        let router = Self::build(self.dir.path())
            .await
            .expect("collector restarts")
            .router();
        Self {
            dir: self.dir,
            router,
        }
    }

    /// The collector's subject vault, over its own database file and key directory.
    pub async fn vault(&self) -> SubjectVault {
        let config = Self::config(self.dir.path());
        let store = samtycke_collector::store::connect(&config.database_url)
            .await
            .expect("opens the database");
        let keys = DataKeys::load(&config.key_dir).expect("data keys");
        SubjectVault::new(store, Arc::new(keys))
    }

    /// Everything the database holds: on SQLite every byte written (the file and its
    /// write-ahead log), on PostgreSQL every row of every table as text.
    pub async fn database_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        if backend() == Backend::Postgres {
            let pool = sqlx::PgPool::connect(&database_url(self.dir.path()))
                .await
                .expect("opens");
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_all(&pool)
            .await
            .expect("lists tables");
            // Binary columns as their bytes (as text they would be hex, and hide a clear value).
            for table in tables {
                let columns: Vec<(String, String)> = sqlx::query_as(
                    "SELECT column_name::text, data_type::text FROM information_schema.columns
                     WHERE table_schema = 'public' AND table_name = $1",
                )
                .bind(&table)
                .fetch_all(&pool)
                .await
                .expect("lists columns");
                for (column, kind) in columns {
                    let (cast, binary) = match kind.as_str() {
                        "bytea" => ("", true),
                        _ => ("::text", false),
                    };
                    let sql = format!("SELECT \"{column}\"{cast} FROM \"{table}\"");
                    let sql = sqlx::AssertSqlSafe(sql);
                    if binary {
                        let rows: Vec<Option<Vec<u8>>> = sqlx::query_scalar(sql)
                            .fetch_all(&pool)
                            .await
                            .expect("reads");
                        bytes.extend(rows.into_iter().flatten().flatten());
                    } else {
                        let rows: Vec<Option<String>> = sqlx::query_scalar(sql)
                            .fetch_all(&pool)
                            .await
                            .expect("reads");
                        bytes.extend(rows.into_iter().flatten().flat_map(String::into_bytes));
                    }
                }
            }
            pool.close().await;
            return bytes;
        }
        for entry in std::fs::read_dir(self.dir.path()).expect("lists") {
            let path = entry.expect("entry").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name.starts_with("samtycke.db") {
                bytes.extend(std::fs::read(&path).expect("reads"));
            }
        }
        bytes
    }

    /// Runs one statement of test SQL (no parameters: both backends' placeholders differ) on
    /// the collector's database.
    pub async fn execute_sql(&self, sql: &str) {
        let url = database_url(self.dir.path());
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match backend() {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&url).await.expect("opens");
                sqlx::query(sql).execute(&pool).await.expect("runs");
                pool.close().await;
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&url).await.expect("opens");
                sqlx::query(sql).execute(&pool).await.expect("runs");
                pool.close().await;
            }
        }
    }

    /// The first column of a test query's rows, as text.
    pub async fn query_texts(&self, sql: &str) -> Vec<String> {
        let url = database_url(self.dir.path());
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match backend() {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&url).await.expect("opens");
                let rows = sqlx::query_scalar(sql)
                    .fetch_all(&pool)
                    .await
                    .expect("runs");
                pool.close().await;
                rows
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&url).await.expect("opens");
                let rows = sqlx::query_scalar(sql)
                    .fetch_all(&pool)
                    .await
                    .expect("runs");
                pool.close().await;
                rows
            }
        }
    }

    pub fn policy_sha256(&self) -> String {
        sha256_hex(std::fs::read(self.dir.path().join("policy.json")).expect("policy"))
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Answer {
            status,
            content_type,
            headers,
            bytes,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    /// Posts a body to /v1/receipts from `origin`.
    pub async fn post_receipt(&self, body: &serde_json::Value, origin: Option<&str>) -> Answer {
        let mut request =
            Request::post("/v1/receipts").header(header::CONTENT_TYPE, "application/json");
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        self.send(request.body(Body::from(body.to_string())).expect("request"))
            .await
    }
}

/// A visitor's device key.
pub fn device(seed: u8) -> DeviceSigner {
    let der = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: [seed; 32],
        public_key: None,
    }
    .to_pkcs8_der()
    .expect("encodes");
    DeviceSigner::ed25519_from_pkcs8_der(der.as_bytes()).expect("valid key")
}

pub fn purpose(id: &str) -> PurposeId {
    PurposeId::parse(id).expect("slug")
}

/// The demo policy as the tests' collectors serve it.
pub fn demo_policy() -> Policy {
    Policy::parse(&test_policy_bytes()).expect("valid")
}

/// A banner request that refuses every purpose the demo policy's banner shows.
pub fn reject_all(policy_sha256: &str) -> ReceiptRequest {
    let policy = demo_policy();
    let mut decisions = BTreeMap::new();
    for purpose in policy.banner_purposes() {
        decisions.insert(purpose.id.clone(), Decision::Denied);
    }
    ReceiptRequest {
        receipt_id: ReceiptId::from_uuid(uuid_v4()),
        site: SiteId::parse("demo").expect("slug"),
        policy_version: policy.version,
        policy_sha256: policy_sha256.to_owned(),
        consent_timestamp: samtycke_collector::time::now_unix(),
        collection_method: CollectionMethod::Banner,
        language: "en".parse().expect("tag"),
        gpc: false,
        decisions,
        identifier_commitments: vec![],
        age: None,
    }
}

fn uuid_v4() -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("random");
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A salt as the widget makes one: 16 bytes, unpadded base64url.
pub fn salt(seed: u8) -> String {
    URL_SAFE_NO_PAD.encode([seed; 16])
}

/// An e-mail identifier as sent beside a request.
pub fn email(value: &str, salt: &str) -> serde_json::Value {
    serde_json::json!({ "type": "email", "value": value, "salt": salt })
}

/// A form opt-in to the demo's newsletter that commits to these identifiers.
pub fn form_request(policy_sha256: &str, commitments: Vec<String>) -> ReceiptRequest {
    ReceiptRequest {
        collection_method: CollectionMethod::Form,
        decisions: BTreeMap::from([(purpose("newsletter"), Decision::Granted)]),
        identifier_commitments: commitments,
        age: None,
        ..reject_all(policy_sha256)
    }
}

/// The POST body for a request signed by `device`, with identifiers beside it.
pub fn body_with(
    device: &DeviceSigner,
    request: &ReceiptRequest,
    identifiers: &[serde_json::Value],
) -> serde_json::Value {
    serde_json::json!({ "request": device.sign(request).expect("signs"), "identifiers": identifiers })
}

/// The decoded payload of a compact JWS, as text.
pub fn jws_payload(jws: &str) -> String {
    let payload = jws.split('.').nth(1).expect("three parts");
    String::from_utf8(URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("utf-8")
}

/// The POST body for a request signed by `device`.
pub fn body(device: &DeviceSigner, request: &ReceiptRequest) -> serde_json::Value {
    serde_json::json!({ "request": device.sign(request).expect("signs") })
}

/// Asserts an RFC 9457 problem document with this status.
pub fn assert_problem(answer: &Answer, status: StatusCode) {
    assert_eq!(
        answer.status,
        status,
        "body: {}",
        String::from_utf8_lossy(&answer.bytes)
    );
    assert_eq!(answer.content_type, "application/problem+json");
    let problem = answer.json();
    assert_eq!(problem["status"], status.as_u16());
    for field in ["type", "title", "detail"] {
        assert!(
            problem[field].as_str().is_some_and(|s| !s.is_empty()),
            "problem lacks {field}: {problem}"
        );
    }
}

/// Asserts a problem document with this status whose detail names `text`.
pub fn assert_problem_mentioning(answer: &Answer, status: StatusCode, text: &str) {
    assert_problem(answer, status);
    let detail = answer.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        detail.contains(text),
        "detail {detail:?} does not mention {text:?}"
    );
}

/// The public JWK of the Ed25519 key of `seed`, as the widget sends it.
pub fn raw_jwk(seed: u8) -> serde_json::Value {
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    serde_json::json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "x": URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()),
    })
}

/// The protected header the widget writes for the key of `seed`.
pub fn raw_header(seed: u8) -> String {
    serde_json::json!({ "alg": "EdDSA", "jwk": raw_jwk(seed) }).to_string()
}

/// A compact JWS over exactly these header and payload texts, signed by the Ed25519 key of
/// `seed`: for texts no serializer writes (repeated members, extra header members).
pub fn signed_raw(seed: u8, header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]).sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// The backend these tests run on: `SAMTYCKE_TEST_BACKEND` (`sqlite`, the default, or
/// `postgres`).
pub fn backend() -> Backend {
    match std::env::var("SAMTYCKE_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("SAMTYCKE_TEST_BACKEND={other:?}: use sqlite or postgres"),
    }
}

/// The PostgreSQL server the tests use.
fn postgres_server() -> String {
    std::env::var("SAMTYCKE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// Test databases are named with this prefix, and the first test of a run drops those an
/// earlier run left.
const TEST_DATABASE_PREFIX: &str = "samtycke_test_";

/// The database of the collector whose files are in `dir`: a file in it, or a PostgreSQL
/// database named after it (created when the collector first opens it).
pub fn database_url(dir: &Path) -> String {
    match backend() {
        Backend::Sqlite => format!("sqlite://{}", dir.join("samtycke.db").display()),
        Backend::Postgres => {
            let name: String = dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            format!("{}/{TEST_DATABASE_PREFIX}{name}", postgres_server())
        }
    }
}

/// Drops the test databases an earlier run left, once per run, before any test makes its own.
pub async fn clean_test_databases() {
    static CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    if backend() != Backend::Postgres {
        return;
    }
    CLEANED
        .get_or_init(|| async {
            let url = format!("{}/postgres", postgres_server());
            let pool = sqlx::PgPool::connect(&url)
                .await
                .expect("the PostgreSQL test server answers (SAMTYCKE_TEST_POSTGRES)");
            let stale: Vec<String> = sqlx::query_scalar(
                "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)",
            )
            .bind(TEST_DATABASE_PREFIX)
            .fetch_all(&pool)
            .await
            .expect("lists databases");
            for name in stale {
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&pool)
                    .await
                    .expect("drops a stale test database");
            }
            pool.close().await;
        })
        .await;
}
