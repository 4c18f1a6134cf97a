//! The profile fields a CRM holds about a contact. Personal data: sealed in the contact's vault
//! as one JSON document, masked for marketers, revealed to the DPO with a reason.

use serde::{Deserialize, Serialize};

/// The longest value a profile field takes, in characters.
pub const MAX_FIELD_CHARS: usize = 500;

/// A contact's profile. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Profile {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// LinkedIn profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linkedin: Option<String>,
    /// Twitter handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub twitter: Option<String>,
    /// Facebook profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facebook: Option<String>,
    /// Anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
}

/// Why a profile cannot be kept (the value is never repeated).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ProfileError {
    /// The field's wire name.
    pub field: &'static str,
    /// Why.
    pub reason: &'static str,
}

impl Profile {
    /// Each field with its wire name, in a fixed order.
    pub fn fields(&self) -> [(&'static str, &Option<String>); 9] {
        [
            ("firstName", &self.first_name),
            ("lastName", &self.last_name),
            ("company", &self.company),
            ("title", &self.title),
            ("website", &self.website),
            ("linkedin", &self.linkedin),
            ("twitter", &self.twitter),
            ("facebook", &self.facebook),
            ("other", &self.other),
        ]
    }

    fn fields_mut(&mut self) -> [&mut Option<String>; 9] {
        [
            &mut self.first_name,
            &mut self.last_name,
            &mut self.company,
            &mut self.title,
            &mut self.website,
            &mut self.linkedin,
            &mut self.twitter,
            &mut self.facebook,
            &mut self.other,
        ]
    }

    /// Trims every value, drops empty ones, and checks lengths and characters.
    pub fn normalised(mut self) -> Result<Self, ProfileError> {
        let names = self.fields().map(|(name, _)| name);
        for (name, field) in names.into_iter().zip(self.fields_mut()) {
            let Some(value) = field.take() else { continue };
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            if value.chars().count() > MAX_FIELD_CHARS {
                return Err(ProfileError {
                    field: name,
                    reason: "is longer than 500 characters",
                });
            }
            if value.chars().any(char::is_control) {
                return Err(ProfileError {
                    field: name,
                    reason: "contains control characters",
                });
            }
            *field = Some(value.to_owned());
        }
        Ok(self)
    }

    /// `other` laid over `self`: each field `other` has replaces this one's.
    pub fn merged(mut self, other: Profile) -> Self {
        for (mine, theirs) in self.fields_mut().into_iter().zip(other.into_fields()) {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
        self
    }

    fn into_fields(self) -> [Option<String>; 9] {
        [
            self.first_name,
            self.last_name,
            self.company,
            self.title,
            self.website,
            self.linkedin,
            self.twitter,
            self.facebook,
            self.other,
        ]
    }

    /// The names of the fields that differ between two profiles (for the history, which never
    /// holds values).
    pub fn changed_fields(&self, other: &Profile) -> Vec<&'static str> {
        self.fields()
            .into_iter()
            .zip(other.fields())
            .filter(|((_, a), (_, b))| a != b)
            .map(|((name, _), _)| name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_trims_drops_blanks_and_refuses_control_characters_and_long_values() {
        let profile = Profile {
            first_name: Some("  Anna ".into()),
            company: Some("   ".into()),
            ..Profile::default()
        }
        .normalised()
        .expect("fine");
        assert_eq!(profile.first_name.as_deref(), Some("Anna"));
        assert_eq!(profile.company, None);
        let bad = Profile {
            title: Some("a\u{7}b".into()),
            ..Profile::default()
        };
        assert_eq!(bad.normalised().expect_err("control").field, "title");
        let long = Profile {
            other: Some("x".repeat(501)),
            ..Profile::default()
        };
        assert_eq!(long.normalised().expect_err("long").field, "other");
    }

    #[test]
    fn merging_keeps_what_the_newer_profile_leaves_out_and_lists_changed_fields() {
        let old = Profile {
            first_name: Some("Anna".into()),
            company: Some("Acme".into()),
            ..Profile::default()
        };
        let new = old.clone().merged(Profile {
            company: Some("Bolaget".into()),
            ..Profile::default()
        });
        assert_eq!(new.first_name.as_deref(), Some("Anna"));
        assert_eq!(new.company.as_deref(), Some("Bolaget"));
        assert_eq!(old.changed_fields(&new), ["company"]);
    }
}
