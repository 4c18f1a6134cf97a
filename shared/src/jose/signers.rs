//! The two signers: the collector's receipt key, and a device key outside the browser (tests,
//! and clients that are not the widget) that signs requests exactly as the widget's WebCrypto
//! key does.

use jsonwebtoken::jwk::{CommonParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::thumbprint;
use crate::receipt::ReceiptClaims;
use crate::request::ReceiptRequest;

/// Why a collector key cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The bytes are not a PKCS#8 Ed25519 private key.
    #[error("not a PKCS#8 Ed25519 private key: {0}")]
    Invalid(jsonwebtoken::errors::Error),
}

/// The collector's receipt-signing key.
#[derive(Clone)]
pub struct ReceiptSigner {
    key: EncodingKey,
    public: Jwk,
}

impl std::fmt::Debug for ReceiptSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("ReceiptSigner")
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

impl ReceiptSigner {
    /// Loads an Ed25519 private key in PKCS#8 v1 DER (RFC 8410, without the optional public key:
    /// the form `jsonwebtoken` reads).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = EncodingKey::from_ed_der(der);
        let mut public =
            Jwk::from_encoding_key(&key, Algorithm::EdDSA).map_err(KeyError::Invalid)?;
        let kid = thumbprint(&public).map_err(KeyError::Invalid)?;
        public.common = CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(KeyAlgorithm::EdDSA),
            key_id: Some(kid),
            ..CommonParameters::default()
        };
        Ok(Self { key, public })
    }

    /// The key id: the RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        self.public.common.key_id.as_deref().unwrap_or_default()
    }

    /// The public key as published in the JWKS.
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// Signs receipt claims as a compact JWT.
    pub fn sign(&self, claims: &ReceiptClaims) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("JWT".into());
        header.kid = Some(self.kid().to_owned());
        jsonwebtoken::encode(&header, claims, &self.key)
    }
}

/// A device key outside the browser: tests, and clients that are not the widget, sign requests
/// with it exactly as the widget's WebCrypto key does.
#[derive(Clone)]
pub struct DeviceSigner {
    key: EncodingKey,
    alg: Algorithm,
    jwk: Jwk,
}

impl std::fmt::Debug for DeviceSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSigner")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl DeviceSigner {
    /// An Ed25519 (EdDSA) device key from PKCS#8 DER.
    pub fn ed25519_from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::new(EncodingKey::from_ed_der(der), Algorithm::EdDSA)
    }

    /// A P-256 (ES256) device key from PKCS#8 DER.
    pub fn es256_from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::new(EncodingKey::from_ec_der(der), Algorithm::ES256)
    }

    fn new(key: EncodingKey, alg: Algorithm) -> Result<Self, KeyError> {
        let mut jwk = Jwk::from_encoding_key(&key, alg).map_err(KeyError::Invalid)?;
        // The widget sends the bare public key; so does this.
        jwk.common = CommonParameters::default();
        Ok(Self { key, alg, jwk })
    }

    /// The subject pseudonym the collector will derive from this key.
    pub fn subject(&self) -> String {
        thumbprint(&self.jwk).unwrap_or_default()
    }

    /// Signs a request as a compact JWS with the public key in the header.
    pub fn sign(&self, request: &ReceiptRequest) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(self.alg);
        header.typ = None;
        header.jwk = Some(self.jwk.clone());
        jsonwebtoken::encode(&header, request, &self.key)
    }
}
