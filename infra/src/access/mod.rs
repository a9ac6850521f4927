//! Least privilege, checked against the code's own calls.
//!
//! An emulator does not enforce IAM, so a function can call an action its
//! role lacks and every test still passes. This module closes that gap
//! without AWS: the calls the code really makes are recorded (by an SDK
//! interceptor or botocore's event hooks, as [`calls::Call`] records), each
//! is turned into the IAM authorization AWS would make for it
//! ([`calls::OPERATIONS`], one table of operations, actions and resources),
//! and that is evaluated ([`eval`]) against its principal's policies as the
//! synthesized template declares them ([`principals`], intrinsics resolved to
//! the physical names a deployment assigned). [`check`] puts it together: the
//! denied calls, and the grants no call used.
//!
//! What it cannot prove: resource-based policies, service control policies
//! and session policies are not evaluated; condition operators outside
//! [`eval::SUPPORTED_OPERATORS`] are reported, never assumed to hold; and a
//! call the tests never make is never checked.

pub mod calls;
pub mod check;
pub mod eval;
pub mod principals;
