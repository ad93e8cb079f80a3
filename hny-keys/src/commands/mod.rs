//! One module per command group.

pub(crate) mod code;
pub(crate) mod keys;
pub(crate) mod team;
pub(crate) mod workflows;
