//! A fresh benchmark database on the PostgreSQL server (`SAMTYCKE_TEST_POSTGRES`, default
//! `postgres://postgres@127.0.0.1:5432`); the collector's own code creates it.

use anyhow::Context as _;

/// The server's URL, without a database.
pub fn server() -> String {
    std::env::var("SAMTYCKE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// Drops `name` if it is there and returns its URL.
pub async fn fresh_database(name: &str) -> anyhow::Result<String> {
    let server = server();
    let admin = sqlx::PgPool::connect(&format!("{server}/postgres"))
        .await
        .context("PostgreSQL answers")?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await?;
    admin.close().await;
    Ok(format!("{server}/{name}"))
}
