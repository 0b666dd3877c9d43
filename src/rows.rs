//! How each kind of row meets the tables: id, search key, and name.

use allot_core::{Invitation, Member, search::search_key};

use crate::components::TableRow;

impl TableRow for Member {
    fn id(&self) -> i64 {
        self.id
    }

    fn search_key(&self) -> String {
        allot_core::search::member_search_key(self)
    }

    fn label(&self) -> String {
        self.full_name.clone()
    }
}

impl TableRow for Invitation {
    fn id(&self) -> i64 {
        self.id
    }

    fn search_key(&self) -> String {
        search_key(&[&self.email, &self.invited_by])
    }

    fn label(&self) -> String {
        self.email.clone()
    }
}
