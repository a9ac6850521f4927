//! What every part of the visitor counter agrees on: the environment variables
//! a function reads, and the tables' key design. The stack sets them; the
//! functions and the integration tests read them.

pub mod env;
pub mod tables;
