//! Integration tests of the `partnerd` binary: each runs it as a process, against a store of
//! its own and, where it needs one, a server started in-process or by the binary itself. One
//! test binary for all of them (see `[[test]]` in Cargo.toml).

mod cli;
mod multinode;
mod portable;
