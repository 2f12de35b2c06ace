//! `halo`'s command line, with HAProxy's options and meanings.

use std::path::PathBuf;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `-f`, in order (files or directories of `*.cfg`).
    pub configs: Vec<PathBuf>,
    /// `-c`: check the configuration and exit.
    pub check: bool,
    /// `-d`: debug mode, foreground, logs on stderr.
    pub debug: bool,
    /// `-D`: daemon mode.
    pub daemon: bool,
    /// `-db`: stay in the foreground even if the configuration says `daemon`.
    pub no_background: bool,
    pub pidfile: Option<PathBuf>,
    /// `-q`: quiet.
    pub quiet: bool,
    /// `-V`: verbose.
    pub verbose: bool,
    /// `-v` (1) or `-vv` (2).
    pub version: u8,
}

/// What to do instead of running.
#[derive(Debug, PartialEq, Eq)]
pub enum CliError {
    /// Print the usage and exit 1 (HAProxy's behaviour on a bad option).
    Usage(String),
}

pub const USAGE: &str =
    "Usage : halo [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]
        [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]
        -v displays version ; -vv shows known build options.
        -d enters debug mode ; -db only disables background mode.
        -V enters verbose mode (disables quiet mode)
        -D goes daemon ; -C changes to <dir> before loading files.
        -p writes pids of all children to this file
        -c check mode : only check config files and exit
        -q quiet mode : don't display messages
        -- <cfgfile>* : all following parameters are config files
";

pub fn parse(args: &[String]) -> Result<Options, CliError> {
    let mut o = Options::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let value = |i: &mut usize| -> Result<String, CliError> {
            *i += 1;
            args.get(*i)
                .cloned()
                .ok_or_else(|| CliError::Usage(format!("'{a}' option requires an argument")))
        };
        match a {
            "--" => {
                o.configs.extend(args[i + 1..].iter().map(PathBuf::from));
                break;
            }
            "-f" => o.configs.push(PathBuf::from(value(&mut i)?)),
            "-c" => o.check = true,
            "-d" => o.debug = true,
            "-db" => o.no_background = true,
            "-D" => o.daemon = true,
            "-q" => o.quiet = true,
            "-V" => o.verbose = true,
            "-v" => o.version = o.version.max(1),
            "-vv" => o.version = 2,
            "-p" => o.pidfile = Some(PathBuf::from(value(&mut i)?)),
            _ if a.starts_with("-f") && a.len() > 2 => o.configs.push(PathBuf::from(&a[2..])),
            _ => return Err(CliError::Usage(format!("unknown option '{a}'"))),
        }
        i += 1;
    }
    Ok(o)
}

pub fn version_text(verbose: bool) -> String {
    let mut s = format!(
        "Halo version {} - an HAProxy-compatible proxy with an async-native Lua 5.4 runtime\n",
        crate::process::VERSION
    );
    if verbose {
        s.push_str(
            "Running on: Rust, tokio (one current-thread runtime per worker thread)\n\
             Built with Lua version : Halo VM 5.4 (own implementation: stackless, async-native)\n\
             Built with HTTP/1.1 (httparse)\n\
             Feature list : +LUA +THREAD +TCP +HTTP1 +UNIX_SOCKETS -OPENSSL -HTTP2 -QUIC -ZLIB -PCRE\n\
             Available polling systems :\n      epoll (through tokio)\n\
             Available multiplexer protocols :\n              h1 : mode=HTTP\n            none : mode=TCP\n",
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options() {
        let o = parse(&args("-f a.cfg -f dir -c -q -p /run/h.pid -- b.cfg c.cfg")).unwrap();
        assert_eq!(
            o.configs,
            vec![
                PathBuf::from("a.cfg"),
                PathBuf::from("dir"),
                PathBuf::from("b.cfg"),
                PathBuf::from("c.cfg")
            ]
        );
        assert!(o.check && o.quiet);
        assert_eq!(o.pidfile, Some(PathBuf::from("/run/h.pid")));
        assert_eq!(parse(&args("-vv")).unwrap().version, 2);
        assert!(matches!(parse(&args("-x")), Err(CliError::Usage(_))));
        assert!(matches!(parse(&args("-f")), Err(CliError::Usage(_))));
    }
}
