//! A value per purpose, for the few purposes a policy has: a list, not a `BTreeMap`. Every map
//! type instantiates its own copy of the tree's code in the wasm (some 4 KB each); a policy asks
//! about a handful of purposes, so a search along a list costs nothing and its code is small.

use std::ops::Index;

use samtycke_shared::PurposeId;

/// A value per purpose, in the order they were first set.
#[derive(Debug, Clone)]
pub struct ByPurpose<V>(Vec<(PurposeId, V)>);

/// Equal when they hold the same values for the same purposes, in whatever order.
impl<V: PartialEq> PartialEq for ByPurpose<V> {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.iter().all(|(id, v)| other.get(id) == Some(v))
    }
}

impl<V> Default for ByPurpose<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<V> ByPurpose<V> {
    /// Nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value for `purpose`, if set.
    pub fn get(&self, purpose: &PurposeId) -> Option<&V> {
        self.0.iter().find(|(id, _)| id == purpose).map(|(_, v)| v)
    }

    /// Sets the value for `purpose`, replacing any earlier one.
    pub fn insert(&mut self, purpose: PurposeId, value: V) {
        match self.0.iter_mut().find(|(id, _)| *id == purpose) {
            Some((_, old)) => *old = value,
            None => self.0.push((purpose, value)),
        }
    }

    /// Each purpose and its value.
    pub fn iter(&self) -> impl Iterator<Item = (&PurposeId, &V)> {
        self.0.iter().map(|(id, v)| (id, v))
    }
}

impl<V> Index<&PurposeId> for ByPurpose<V> {
    type Output = V;

    /// Panics when `purpose` has no value: for tests and callers that know it has.
    fn index(&self, purpose: &PurposeId) -> &V {
        match self.get(purpose) {
            Some(value) => value,
            None => panic!("no value for the purpose"),
        }
    }
}

impl<V, const N: usize> From<[(PurposeId, V); N]> for ByPurpose<V> {
    fn from(values: [(PurposeId, V); N]) -> Self {
        let mut all = Self::new();
        for (purpose, value) in values {
            all.insert(purpose, value);
        }
        all
    }
}
