//! `samtycke verify RECEIPT --jwks URL_OR_FILE [--policy URL_OR_FILE]`: checks a receipt with
//! nothing but public material, as any third party could.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;
use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::jose::{sha256_hex, verify_receipt};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A file holding the receipt JWT, or the JSON answer of POST /v1/receipts.
    receipt: PathBuf,
    /// The collector's JWKS: a URL (…/.well-known/jwks.json) or a file.
    #[arg(long)]
    jwks: String,
    /// Also check that the receipt cites this exact policy document (URL or file).
    #[arg(long)]
    policy: Option<String>,
}

pub fn run(args: &VerifyArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.receipt)
        .with_context(|| format!("cannot read {}", args.receipt.display()))?;
    let jwt = receipt_text(&text)
        .with_context(|| format!("{}: no receipt found", args.receipt.display()))?;
    let jwks: JwkSet = serde_json::from_slice(&fetch(&args.jwks)?)
        .with_context(|| format!("{} is not a JWKS", args.jwks))?;
    let receipt = verify_receipt(&jwt, &jwks).context("receipt does not verify")?;
    let claims = &receipt.claims;
    if let Some(policy) = &args.policy {
        let hash = sha256_hex(fetch(policy)?);
        if hash != claims.policy_sha256 {
            bail!(
                "receipt cites policy {} but {policy} hashes to {hash}",
                claims.policy_sha256
            );
        }
    }
    println!("receipt {} verifies", claims.jti);
    println!(
        "  countersigned by key {} of {} (sequence {})",
        receipt.kid, claims.iss, claims.sequence
    );
    println!("  visitor request signed by device {}", claims.subject);
    println!(
        "  site {}, policy version {} (sha256 {}){}",
        claims.site,
        claims.policy_version,
        claims.policy_sha256,
        if args.policy.is_some() {
            ", document matches"
        } else {
            ""
        }
    );
    let decisions: Vec<String> = claims
        .decisions
        .iter()
        .map(|(p, d)| format!("{p}={}", d.as_str()))
        .collect();
    println!(
        "  decided at {} via {}: {}",
        claims.consent_timestamp,
        claims.collection_method.as_str(),
        decisions.join(", ")
    );
    if claims.gpc {
        println!("  Global Privacy Control was on");
    }
    Ok(())
}

/// The JWT itself, or the `receipt` field of a JSON answer.
fn receipt_text(text: &str) -> anyhow::Result<String> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(trimmed).context("not JSON")?;
        let jwt = value
            .get("receipt")
            .and_then(|r| r.as_str())
            .context("JSON without a \"receipt\" field")?;
        Ok(jwt.to_owned())
    } else {
        Ok(trimmed.to_owned())
    }
}

/// Reads a URL (http or https) or a file.
fn fetch(source: &str) -> anyhow::Result<Vec<u8>> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let mut response = ureq::get(source)
            .call()
            .with_context(|| format!("cannot fetch {source}"))?;
        response
            .body_mut()
            .read_to_vec()
            .with_context(|| format!("cannot read {source}"))
    } else {
        std::fs::read(source).with_context(|| format!("cannot read {source}"))
    }
}
