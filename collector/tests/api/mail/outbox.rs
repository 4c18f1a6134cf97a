//! The outbox across a `kill -9`: a confirmation queued while the mail server is down is sent
//! once it is up, by the collector started again, exactly once.

use std::time::Duration;

use samtycke_shared::commitment::commitment;
use samtycke_shared::jose::sha256_hex;

use super::*;
use crate::processes::{Process, agent, free_port, post, wait_ready};

/// A config file for a `samtycke serve` process sending to an SMTP server on `smtp_port`.
fn config(dir: &Path, smtp_port: u16) -> PathBuf {
    let path = dir.join("samtycke.toml");
    std::fs::write(
        &path,
        format!(
            "database_url = {url:?}\nkey_dir = {keys:?}\n\n[[sites]]\nid = \"demo\"\n\
             allowed_origins = [{ORIGIN:?}]\npolicy = {policy:?}\n\
             mail_from = \"Fika & Co. <news@shop.example>\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\ntls = \"none\"\ntimeout_secs = 5\n\n\
             [mail]\nretry_after_secs = 1\n",
            url = database_url(dir),
            keys = dir.join("keys"),
            policy = demo_policy_file(dir),
        ),
    )
    .expect("config");
    path
}

#[tokio::test]
async fn mail_queued_while_the_server_is_down_survives_a_kill_9_and_is_sent_once() {
    clean_test_databases().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp_port = free_port();
    let config = config(dir.path(), smtp_port);
    let port = free_port();
    let collector = Process::spawn(&config, port);
    wait_ready(port);

    let salt = salt(1);
    let sha = sha256_hex(std::fs::read(demo_policy_path()).expect("policy"));
    let request = form_request(&sha, vec![commitment("email", "anna@example.se", &salt)]);
    let body = body_with(&device(1), &request, &[email("anna@example.se", &salt)]);
    let (status, text) = post(&agent(), port, &body.to_string());
    assert_eq!(status, 201, "{text}");

    // No server: the sender's attempt is deferred, and written down as such.
    let store = samtycke_collector::store::connect(&database_url(dir.path()))
        .await
        .expect("store");
    let person = store
        .contact_by_lookup(&lookup_of(dir.path(), "anna@example.se"))
        .await
        .expect("reads")
        .expect("a contact");
    for _ in 0..100 {
        if !store.mail_log(&person).await.expect("log").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = store.mail_log(&person).await.expect("log");
    assert_eq!(
        log.first().map(|l| l.outcome.as_str()),
        Some("deferred"),
        "{log:?}"
    );
    collector.kill_9();

    let smtp = SmtpServer::start_on(smtp_port);
    let collector = Process::spawn(&config, port);
    wait_ready(port);
    let messages = smtp.wait_for(1).await;
    assert!(
        link_to(&parse(&messages[0]), "/mail/confirm?t=").starts_with("/mail/confirm?t="),
        "the confirmation"
    );
    // Once the collector has recorded it as sent (stopping it between the server's acceptance
    // and that record is the one way to send a message twice, which no mail protocol closes),
    // it is started once more: nothing goes out again.
    for _ in 0..100 {
        let log = store.mail_log(&person).await.expect("log");
        if log.last().is_some_and(|l| l.outcome == "sent") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(collector);
    let _collector = Process::spawn(&config, port);
    wait_ready(port);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.messages().len(), 1, "sent exactly once");
    let log = store.mail_log(&person).await.expect("log");
    assert_eq!(
        log.last().map(|l| l.outcome.as_str()),
        Some("sent"),
        "{log:?}"
    );
    assert!(log.iter().all(|l| !l.detail.contains("anna@")), "{log:?}");
    let counts = store.outbox_counts().await.expect("counts");
    assert_eq!(counts, [("sent".to_owned(), 1)]);
}

/// The blind index of an address, with the collector's own keys.
fn lookup_of(dir: &Path, address: &str) -> String {
    let keys = std::sync::Arc::new(
        samtycke_collector::keys::DataKeys::load(&dir.join("keys")).expect("keys"),
    );
    let vault = samtycke_collector::domain::contacts::vault::ContactVault::new(keys);
    vault.lookup(
        &samtycke_collector::domain::contacts::identifiers::ContactIdentifier::parse(
            samtycke_collector::domain::contacts::identifiers::IdentifierKind::Email,
            address,
        )
        .expect("an address"),
    )
}
