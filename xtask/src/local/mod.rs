//! Running a deployed stack's functions locally on the emulator: what the
//! template says about routes and event sources (`topology`). The runners
//! live in `tools/gateway` (APIs) and `tools/emulator` (event sources).

pub mod functions;
pub mod serve;
pub mod topology;
