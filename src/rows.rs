//! How each kind of row meets the tables: id, search key, and name.

use allot_core::{
    Invitation, LicensedUser, Member, OfflineActivation, OnlineActivation, RegisteredMachine,
    search::search_key,
};

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

impl TableRow for LicensedUser {
    fn id(&self) -> i64 {
        self.member_id
    }

    fn search_key(&self) -> String {
        search_key(&[&self.full_name, &self.email])
    }

    fn label(&self) -> String {
        self.full_name.clone()
    }
}

impl TableRow for OnlineActivation {
    fn id(&self) -> i64 {
        self.activation_id
    }

    fn search_key(&self) -> String {
        search_key(&[&self.machine_id, &self.hostname, &self.member_name])
    }

    fn label(&self) -> String {
        format!("{} on {}", self.member_name, self.machine_id)
    }
}

impl TableRow for OfflineActivation {
    fn id(&self) -> i64 {
        self.activation_id
    }

    fn search_key(&self) -> String {
        search_key(&[&self.machine_id, &self.hostname, &self.member_name])
    }

    fn label(&self) -> String {
        format!("{} on {}", self.member_name, self.machine_id)
    }
}

impl TableRow for RegisteredMachine {
    fn id(&self) -> i64 {
        self.id
    }

    fn search_key(&self) -> String {
        search_key(&[&self.machine_id, &self.hostname, &self.member_name])
    }

    fn label(&self) -> String {
        self.machine_id.clone()
    }
}
