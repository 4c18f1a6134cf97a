//! Tests of the choice rules against the demo site's real policy.

use super::*;

fn demo_policy() -> Policy {
    Policy::parse(include_bytes!("../../../www/policies/demo.json")).expect("demo policy")
}

fn shown_of(policy: Policy) -> Shown {
    Shown {
        policy: Rc::new(policy),
        sha256: "ab".repeat(32),
        language: Cell::new(0),
    }
}

fn shown() -> Shown {
    shown_of(demo_policy())
}

/// The demo policy with one more optional purpose that uses special-category data (Art 9).
fn shown_with_special_category() -> Shown {
    let mut policy = demo_policy();
    let mut health = policy.purpose(&id("analytics")).expect("analytics").clone();
    health.id = id("health");
    health.special_category = true;
    health.consent_mode = Vec::new();
    policy.purposes.push(health);
    shown_of(policy)
}

fn id(text: &str) -> PurposeId {
    PurposeId::parse(text).expect("purpose id")
}

fn occasion(method: CollectionMethod) -> Occasion {
    Occasion {
        receipt_id: ReceiptId::parse("3f1c8a52-8d7e-4f51-9a0e-3c0b1b7e2f10").expect("uuid"),
        now_ms: 1_763_850_000_123,
        method,
        gpc: false,
    }
}

#[test]
fn nothing_is_ticked_on_a_first_visit() {
    let shown = shown();
    let ticked = initial(&shown.policy, &Prior::new());
    assert_eq!(
        ticked.iter().count(),
        shown.policy.banner_purposes().count(),
        "only the banner's optional purposes: {ticked:?}"
    );
    assert!(
        ticked.get(&id("newsletter")).is_none(),
        "a purpose asked in a form is no banner toggle"
    );
    assert!(ticked.iter().all(|(_, on)| !on));
}

#[test]
fn earlier_grants_are_shown_ticked_when_settings_reopen() {
    let shown = shown();
    let prior = Prior::from([
        (id("analytics"), Decision::Granted),
        (id("ads"), Decision::Denied),
    ]);
    let ticked = initial(&shown.policy, &prior);
    assert!(ticked[&id("analytics")]);
    assert!(!ticked[&id("ads")]);
}

#[test]
fn reject_all_denies_every_optional_purpose_and_never_the_necessary_one() {
    let shown = shown();
    let chosen = apply(Action::RejectAll, &shown.policy, false, &Choices::new());
    let decided = decisions(&chosen, &Prior::new());
    assert_eq!(
        decided,
        BTreeMap::from([
            (id("ads"), Decision::Denied),
            (id("analytics"), Decision::Denied),
            (id("media"), Decision::Denied)
        ])
    );
}

#[test]
fn accept_all_under_gpc_leaves_sale_or_sharing_purposes_off() {
    let shown = shown();
    let chosen = apply(Action::AcceptAll, &shown.policy, true, &Choices::new());
    assert!(chosen[&id("analytics")]);
    assert!(!chosen[&id("ads")]);
    let chosen = apply(Action::AcceptAll, &shown.policy, false, &Choices::new());
    assert!(chosen.iter().all(|(_, on)| *on));
}

#[test]
fn accept_all_leaves_special_category_purposes_off_unless_ticked_themselves() {
    let shown = shown_with_special_category();
    assert!(shown.has_special_category());

    let chosen = apply(Action::AcceptAll, &shown.policy, false, &Choices::new());
    let decided = decisions(&chosen, &Prior::new());
    assert_eq!(decided[&id("health")], Decision::Denied);
    assert_eq!(decided[&id("analytics")], Decision::Granted);
    assert_eq!(decided[&id("ads")], Decision::Granted);

    let ticked = Choices::from([(id("health"), true)]);
    let chosen = apply(Action::AcceptAll, &shown.policy, false, &ticked);
    assert!(chosen[&id("health")], "its own tick is explicit consent");
}

#[test]
fn a_policy_without_special_categories_says_so() {
    assert!(!shown().has_special_category());
}

#[test]
fn unticking_a_granted_purpose_is_a_withdrawal() {
    let shown = shown();
    let prior = Prior::from([(id("analytics"), Decision::Granted)]);
    let ticked = Choices::from([(id("analytics"), false), (id("ads"), true)]);
    let decided = decisions(&apply(Action::Save, &shown.policy, false, &ticked), &prior);
    assert_eq!(decided[&id("analytics")], Decision::Withdrawn);
    assert_eq!(decided[&id("ads")], Decision::Granted);
}

#[test]
fn the_request_cites_the_policy_shown_and_serialises_to_the_wire_shape() {
    let shown = shown();
    let chosen = apply(Action::Save, &shown.policy, false, &Choices::new());
    let request = request(
        &shown,
        decisions(&chosen, &Prior::new()),
        occasion(CollectionMethod::Settings),
    );
    let json = serde_json::to_value(&request).expect("json");
    assert_eq!(json["site"], "demo");
    assert_eq!(json["policyVersion"], shown.policy.version);
    assert_eq!(json["policySha256"], "ab".repeat(32));
    assert_eq!(json["consentTimestamp"], 1_763_850_000);
    assert_eq!(json["collectionMethod"], "settings");
    assert_eq!(json["language"], "en");
    assert_eq!(json["decisions"]["analytics"], "denied");
    assert!(json.get("identifierCommitments").is_none());
    let back: ReceiptRequest = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, request);
}

#[test]
fn the_record_carries_consent_mode_for_the_loader() {
    let shown = shown();
    let chosen = Choices::from([(id("analytics"), true), (id("ads"), false)]);
    let decided = decisions(&chosen, &Prior::new());
    let record = record(
        &shown.policy,
        &decided,
        &Earlier::default(),
        occasion(CollectionMethod::Banner),
    );
    assert_eq!(record.v, shown.policy.version);
    assert_eq!(record.at, 1_763_850_000_123_u64);
    assert_eq!(record.d[&id("analytics")], Decision::Granted);
    let mode = |kind: &str| record.g.iter().find(|(k, _)| *k == kind).map(|(_, s)| *s);
    assert_eq!(mode("analytics_storage"), Some("granted"));
    assert_eq!(mode("ad_storage"), Some("denied"));
    assert_eq!(mode("ad_personalization"), Some("denied"));
    assert_eq!(mode("ad_user_data"), Some("denied"));
    assert_eq!(record.g.len(), 4, "each type once: {:?}", record.g);
    assert_eq!(record.t[&id("analytics")], 1_763_850_000_123_u64);
    assert_eq!(record.t[&id("ads")], 1_763_850_000_123_u64);
}

#[test]
fn an_unchanged_decision_keeps_its_time_and_a_changed_one_is_made_now() {
    let earlier = Earlier {
        decisions: Prior::from([
            (id("analytics"), Decision::Granted),
            (id("ads"), Decision::Denied),
        ]),
        at: Times::from([(id("analytics"), 1_000), (id("ads"), 2_000)]),
    };
    let chosen = Choices::from([(id("analytics"), true), (id("ads"), true)]);
    let decided = decisions(&chosen, &earlier.decisions);
    assert_eq!(
        times(&decided, &earlier, 9_000),
        Times::from([(id("analytics"), 1_000), (id("ads"), 9_000)])
    );
}

#[test]
fn a_decision_on_record_without_a_time_is_made_now() {
    let earlier = Earlier {
        decisions: Prior::from([(id("analytics"), Decision::Granted)]),
        at: Times::new(),
    };
    let decided = BTreeMap::from([(id("analytics"), Decision::Granted)]);
    assert_eq!(times(&decided, &earlier, 9_000)[&id("analytics")], 9_000);
}

#[test]
fn the_request_names_the_language_the_visitor_switched_to() {
    let shown = shown();
    shown.language.set(1);
    let request = request(&shown, BTreeMap::new(), occasion(CollectionMethod::Banner));
    assert_eq!(request.language.as_str(), "sv");
    assert_eq!(
        shown.local(&shown.policy.notice),
        shown.policy.notice.0[&request.language]
    );
}

#[test]
fn cookies_of_refused_purposes_are_named_for_deletion() {
    let shown = shown();
    let chosen = Choices::from([(id("analytics"), true), (id("ads"), false)]);
    let decided = decisions(&chosen, &Prior::new());
    assert_eq!(refused_cookies(&shown.policy, &decided), "_demo_ads");
}

#[test]
fn cookies_of_withdrawn_purposes_are_named_for_deletion() {
    let shown = shown();
    let prior = Prior::from([
        (id("analytics"), Decision::Granted),
        (id("ads"), Decision::Granted),
    ]);
    let chosen = Choices::from([(id("analytics"), false), (id("ads"), true)]);
    let decided = decisions(&chosen, &prior);
    assert_eq!(decided[&id("analytics")], Decision::Withdrawn);
    assert_eq!(refused_cookies(&shown.policy, &decided), "_demo_analytics");
}
