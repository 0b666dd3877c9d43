//! The addresses of an Invite Users request as they are typed or pasted: one chip each,
//! validated as it is made, duplicates merged, invalid ones kept (marked) until fixed.

use crate::emails::{EmailError, MAX_INVITATIONS, email_key, split_email_list, validate_email};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chip {
    /// What the admin typed or pasted for this address.
    pub text: String,
    /// The bare address, or why it is not one.
    pub address: Result<String, EmailError>,
}

impl Chip {
    /// The key duplicates are merged by.
    fn key(&self) -> String {
        match &self.address {
            Ok(address) => email_key(address),
            Err(_) => self.text.clone(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressList {
    chips: Vec<Chip>,
}

impl AddressList {
    pub fn chips(&self) -> &[Chip] {
        &self.chips
    }

    pub fn is_empty(&self) -> bool {
        self.chips.is_empty()
    }

    /// Adds a chip for every address in `text` (one typed address, or a pasted list);
    /// returns how many were already in the list and so merged.
    pub fn add(&mut self, text: &str) -> usize {
        let mut merged = 0;
        for piece in split_email_list(text) {
            let chip = Chip {
                address: validate_email(&piece),
                text: piece,
            };
            if self
                .chips
                .iter()
                .any(|existing| existing.key() == chip.key())
            {
                merged += 1;
            } else {
                self.chips.push(chip);
            }
        }
        merged
    }

    pub fn remove(&mut self, index: usize) {
        if index < self.chips.len() {
            self.chips.remove(index);
        }
    }

    /// The valid addresses, in the order they were added.
    pub fn addresses(&self) -> Vec<String> {
        self.chips
            .iter()
            .filter_map(|chip| chip.address.clone().ok())
            .collect()
    }

    /// Why the list cannot be sent yet, in words, or `None` when it can.
    pub fn blocker(&self) -> Option<String> {
        let invalid = self
            .chips
            .iter()
            .filter(|chip| chip.address.is_err())
            .count();
        if invalid > 0 {
            let noun = if invalid == 1 { "address" } else { "addresses" };
            return Some(format!(
                "Fix or remove the {invalid} invalid {noun} to continue."
            ));
        }
        if self.chips.is_empty() {
            return Some("Add at least one email address.".to_owned());
        }
        let extra = self.chips.len().saturating_sub(MAX_INVITATIONS);
        (extra > 0).then(|| {
            format!("You can invite at most {MAX_INVITATIONS} people at once; remove {extra}.")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn typed_and_pasted_addresses_become_chips() {
        let mut list = AddressList::default();
        assert_eq!(list.add("ann@example.com"), 0);
        assert_eq!(
            list.add("bo@example.com, Cy Lee <cy@example.com>\nANN@example.com"),
            1
        );
        assert_eq!(
            list.addresses(),
            ["ann@example.com", "bo@example.com", "cy@example.com"]
        );
        assert_eq!(list.blocker(), None);
    }

    #[test]
    fn invalid_addresses_stay_marked_and_block_until_removed() {
        let mut list = AddressList::default();
        list.add("ann@example.com not-an-address");
        assert_eq!(list.chips().len(), 2);
        assert!(list.chips()[1].address.is_err());
        assert_eq!(
            list.blocker().as_deref(),
            Some("Fix or remove the 1 invalid address to continue.")
        );
        list.remove(1);
        assert_eq!(list.blocker(), None);
    }

    #[test]
    fn an_empty_list_and_a_too_long_one_are_refused() {
        let mut list = AddressList::default();
        assert!(list.blocker().is_some());
        let many: Vec<String> = (0..MAX_INVITATIONS + 2)
            .map(|i| format!("p{i}@example.com"))
            .collect();
        list.add(&many.join(" "));
        assert_eq!(
            list.blocker().as_deref(),
            Some("You can invite at most 500 people at once; remove 2.")
        );
    }

    proptest! {
        #[test]
        fn adding_in_pieces_equals_adding_at_once(locals in proptest::collection::vec("[a-z]{1,8}", 1..20), cut in 0usize..20) {
            let addresses: Vec<String> = locals.iter().map(|l| format!("{l}@example.com")).collect();
            let mut whole = AddressList::default();
            whole.add(&addresses.join(", "));
            let cut = cut.min(addresses.len());
            let mut pieces = AddressList::default();
            pieces.add(&addresses[..cut].join(" "));
            pieces.add(&addresses[cut..].join("\n"));
            prop_assert_eq!(whole.addresses(), pieces.addresses());
        }
    }
}
