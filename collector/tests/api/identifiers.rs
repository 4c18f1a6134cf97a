//! POST /v1/receipts with identifiers (form opt-in): the e-mail address goes into the subject's
//! encrypted vault and nowhere else; every mismatch between identifiers and signed commitments
//! is refused with its reason.

use axum::http::StatusCode;
use samtycke_shared::commitment::commitment;

use crate::helpers::*;

const ADDRESS: &str = "anna.svensson@example.se";
const TYPED: &str = " Anna.Svensson@Example.SE ";

fn problem_type(answer: &Answer) -> String {
    answer.json()["type"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_form_receipt_with_an_email_gets_201_and_the_address_is_stored_only_sealed() {
    let collector = TestCollector::start().await;
    let device = device(1);
    let salt = salt(7);
    let signed = commitment("email", TYPED, &salt);
    let request = form_request(&collector.policy_sha256(), vec![signed.clone()]);
    let answer = collector
        .post_receipt(
            &body_with(&device, &request, &[email(TYPED, &salt)]),
            Some(ORIGIN),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());

    let receipt = answer.json()["receipt"].as_str().expect("jwt").to_owned();
    let claims = jws_payload(&receipt);
    let signed_request =
        serde_json::from_str::<serde_json::Value>(&claims).expect("json")["request"]
            .as_str()
            .expect("request")
            .to_owned();
    let inner = jws_payload(&signed_request);
    assert!(inner.contains(&signed), "{inner}");
    for text in [&claims, &inner] {
        assert!(!text.to_lowercase().contains("anna.svensson"), "{text}");
        assert!(
            !text.contains(&salt),
            "the salt lives only in the vault: {text}"
        );
    }
    let bytes = collector.database_bytes().await;
    for needle in [ADDRESS, TYPED.trim(), "Anna.Svensson", salt.as_str()] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle:?} is in the database file"
        );
    }

    let opened = collector
        .vault()
        .await
        .identifiers(&device.subject())
        .await
        .expect("opens");
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].value, ADDRESS);
    assert_eq!(opened[0].salt, salt);
    assert_eq!(opened[0].commitment, signed);
}

#[tokio::test]
async fn a_replayed_form_receipt_returns_the_first_answer_and_keeps_one_identifier() {
    let collector = TestCollector::start().await;
    let device = device(1);
    let salt = salt(7);
    let request = form_request(
        &collector.policy_sha256(),
        vec![commitment("email", ADDRESS, &salt)],
    );
    let body = body_with(&device, &request, &[email(ADDRESS, &salt)]);
    let first = collector.post_receipt(&body, Some(ORIGIN)).await;
    let again = collector.post_receipt(&body, Some(ORIGIN)).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.bytes, first.bytes);
    let vault = collector.vault().await;
    assert_eq!(
        vault
            .identifiers(&device.subject())
            .await
            .expect("opens")
            .len(),
        1
    );
}

#[tokio::test]
async fn concurrent_first_receipts_of_one_subject_share_one_vault_key() {
    let collector = TestCollector::start().await;
    let device = device(1);
    let post = |address: &'static str, seed: u8| {
        let salt = salt(seed);
        let request = form_request(
            &collector.policy_sha256(),
            vec![commitment("email", address, &salt)],
        );
        let body = body_with(&device, &request, &[email(address, &salt)]);
        let collector = &collector;
        async move { collector.post_receipt(&body, Some(ORIGIN)).await }
    };
    let (a, b) = tokio::join!(post("a@example.se", 1), post("b@example.se", 2));
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(b.status, StatusCode::CREATED);
    let mut values: Vec<_> = collector
        .vault()
        .await
        .identifiers(&device.subject())
        .await
        .expect("both open under the one stored key")
        .into_iter()
        .map(|i| i.value)
        .collect();
    values.sort();
    assert_eq!(values, ["a@example.se", "b@example.se"]);
}

#[tokio::test]
async fn identifiers_that_do_not_match_the_signed_commitments_are_422s() {
    let collector = TestCollector::start().await;
    let device = device(1);
    let salt = salt(7);
    let sha = collector.policy_sha256();
    let other = commitment("email", "bo@example.se", &salt);
    let cases = [
        // Committed to another address.
        (
            vec![other.clone()],
            vec![email(ADDRESS, &salt)],
            "identifiers[0]",
        ),
        // No commitment signed at all.
        (vec![], vec![email(ADDRESS, &salt)], "identifiers[0]"),
        // A signed commitment nobody opens.
        (
            vec![commitment("email", ADDRESS, &salt), other],
            vec![email(ADDRESS, &salt)],
            "identifierCommitments[1]",
        ),
        (
            vec![commitment("email", ADDRESS, &salt)],
            vec![],
            "identifierCommitments[0]",
        ),
    ];
    for (commitments, identifiers, names) in cases {
        let request = form_request(&sha, commitments);
        let answer = collector
            .post_receipt(&body_with(&device, &request, &identifiers), Some(ORIGIN))
            .await;
        assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, names);
        assert_eq!(
            problem_type(&answer),
            "urn:samtycke:problem:commitment-mismatch"
        );
    }
    let vault = collector.vault().await;
    assert!(
        vault
            .identifiers(&device.subject())
            .await
            .expect("reads")
            .is_empty()
    );
}

#[tokio::test]
async fn a_bad_salt_a_bad_address_and_identifiers_on_a_banner_are_422s_naming_the_reason() {
    let collector = TestCollector::start().await;
    let device = device(1);
    let sha = collector.policy_sha256();
    let send = |request: samtycke_shared::ReceiptRequest, identifier: serde_json::Value| {
        let body = body_with(&device, &request, &[identifier]);
        let collector = &collector;
        async move { collector.post_receipt(&body, Some(ORIGIN)).await }
    };

    let short = "AAAA";
    let answer = send(
        form_request(&sha, vec![commitment("email", ADDRESS, short)]),
        email(ADDRESS, short),
    )
    .await;
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "salt");
    assert_eq!(
        problem_type(&answer),
        "urn:samtycke:problem:invalid-identifier"
    );

    let bad = "anna.svensson@localhost";
    let answer = send(
        form_request(&sha, vec![commitment("email", bad, &salt(7))]),
        email(bad, &salt(7)),
    )
    .await;
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "e-mail");
    assert_eq!(problem_type(&answer), "urn:samtycke:problem:invalid-email");
    assert!(
        !String::from_utf8_lossy(&answer.bytes).contains("anna.svensson"),
        "the address must not be echoed"
    );

    let banner = samtycke_shared::ReceiptRequest {
        identifier_commitments: vec![commitment("email", ADDRESS, &salt(7))],
        age: None,
        ..reject_all(&sha)
    };
    let answer = send(banner, email(ADDRESS, &salt(7))).await;
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "banner");
    assert_eq!(
        problem_type(&answer),
        "urn:samtycke:problem:identifiers-not-allowed"
    );
}

#[tokio::test]
async fn an_internationalised_domain_and_its_punycode_are_one_identity() {
    let collector = TestCollector::start().await;
    for (seed, typed) in [(11u8, "Anna@Exämple.SE"), (12, "anna@xn--exmple-cua.se")] {
        let salt = salt(seed);
        let request = form_request(
            &collector.policy_sha256(),
            vec![commitment("email", typed, &salt)],
        );
        let answer = collector
            .post_receipt(
                &body_with(&device(seed), &request, &[email(typed, &salt)]),
                Some(ORIGIN),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
        let opened = collector
            .vault()
            .await
            .identifiers(&device(seed).subject())
            .await
            .expect("opens");
        assert_eq!(opened[0].value, "anna@xn--exmple-cua.se");
    }
    let lookups = collector
        .query_texts("SELECT DISTINCT lookup FROM subject_identifiers")
        .await;
    assert_eq!(lookups.len(), 1, "one blind index for both spellings");
}
