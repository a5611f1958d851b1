//! Tesseract, run as a program (`tesseract`), found at run time.
//!
//! Why a program and not a binding to libtesseract: nothing is needed to
//! build Clipdex (a binding needs libtesseract's headers and clang at build
//! time, and an app linked to it does not start where it is missing);
//! without Tesseract, OCR is simply off; users install it with their
//! package manager (apt, Homebrew, the Windows installer) with the
//! languages they want; and a picture that makes it crash or hang costs one
//! process, stopped after [`TIMEOUT`], never the app. A process start is a
//! few tens of milliseconds, small next to reading a photo. ffmpeg is used
//! the same way.
//!
//! Each picture goes to `tesseract stdin stdout -l LANGS --psm N tsv` as a
//! grey PGM on standard input; the TSV's word rows (level 5) are the words.
//! [`Layout::Page`] is Tesseract's default (page segmentation mode 3);
//! [`Layout::Sparse`] is mode 11 ("sparse text") with Leptonica's adaptive
//! Otsu threshold (`thresholding_method=1`): on a small photo, a light sign
//! over dark wood is read that way and missed by mode 3. One thread per
//! process (`OMP_THREAD_LIMIT=1`): callers read several pictures at once.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use image::GrayImage;

use crate::{EngineWord, Layout, OcrError, TextEngine};

/// Names the program to use (a file), instead of looking for it.
pub const TESSERACT_ENV: &str = "CLIPDEX_TESSERACT";
/// One picture may take this long.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The `tesseract` program, its version and the languages it has data for.
#[derive(Debug, Clone)]
pub struct Tesseract {
    program: PathBuf,
    version: String,
    languages: Vec<String>,
}

impl Tesseract {
    /// `CLIPDEX_TESSERACT` when set (a file, or nothing: OCR off), else
    /// beside the running program, else on `PATH`, else where the usual
    /// installers put it. `None` when there is none that runs.
    pub fn find() -> Option<Self> {
        if let Some(p) = std::env::var_os(TESSERACT_ENV) {
            return Self::at(Path::new(&p));
        }
        let name = if cfg!(windows) { "tesseract.exe" } else { "tesseract" };
        let mut places: Vec<PathBuf> = Vec::new();
        places.extend(std::env::current_exe().ok().and_then(|e| e.parent().map(|d| d.join(name))));
        if let Some(paths) = std::env::var_os("PATH") {
            places.extend(std::env::split_paths(&paths).map(|d| d.join(name)));
        }
        if cfg!(windows) {
            places.push(PathBuf::from(r"C:\Program Files\Tesseract-OCR\tesseract.exe"));
        } else if cfg!(target_os = "macos") {
            places.push(PathBuf::from("/opt/homebrew/bin/tesseract"));
            places.push(PathBuf::from("/usr/local/bin/tesseract"));
        }
        places.into_iter().filter(|p| p.is_file()).find_map(|p| Self::at(&p))
    }

    /// The program at `program`, if it runs and says its version.
    pub fn at(program: &Path) -> Option<Self> {
        if !program.is_file() {
            return None;
        }
        let out = quiet(Command::new(program).arg("--version")).output().ok()?;
        // Tesseract 4 printed its version on stderr, 5 on stdout.
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let version = text.lines().find_map(|l| l.trim().strip_prefix("tesseract "))?.trim().to_string();
        let listed = quiet(Command::new(program).arg("--list-langs")).output().ok()?;
        let languages = String::from_utf8_lossy(&listed.stdout)
            .lines()
            .skip_while(|l| !l.starts_with("List of available languages"))
            .skip(1)
            .map(str::trim)
            // Orientation and equations are not languages to read.
            .filter(|l| !l.is_empty() && *l != "osd" && *l != "equ")
            .map(str::to_string)
            .collect();
        Some(Self { program: program.to_path_buf(), version, languages })
    }

    pub fn program(&self) -> &Path {
        &self.program
    }

    pub fn version(&self) -> &str {
        &self.version
    }
}

impl TextEngine for Tesseract {
    fn signature(&self, languages: &[String]) -> String {
        // The major version: a patch release reads the same.
        let major = self.version.split('.').next().unwrap_or("");
        format!("tesseract {major} {}", languages.join("+"))
    }

    fn installed_languages(&self) -> Vec<String> {
        self.languages.clone()
    }

    fn words(&self, image: &GrayImage, languages: &[String], layout: Layout) -> Result<Vec<EngineWord>, OcrError> {
        let langs = if languages.is_empty() { "eng".to_string() } else { languages.join("+") };
        let (w, h) = image.dimensions();
        let mut pgm = format!("P5\n{w} {h}\n255\n").into_bytes();
        pgm.extend_from_slice(image.as_raw());
        let mode: &[&str] = match layout {
            Layout::Page => &["--psm", "3"],
            Layout::Sparse => &["--psm", "11", "-c", "thresholding_method=1"],
        };
        let mut args = vec!["stdin", "stdout", "-l", &langs];
        args.extend_from_slice(mode);
        args.push("tsv");
        let tsv = self.run(&args, &pgm)?;
        Ok(parse_tsv(&tsv))
    }
}

impl Tesseract {
    /// Runs the program with `input` on stdin; its stdout, or why not.
    fn run(&self, args: &[&str], input: &[u8]) -> Result<String, OcrError> {
        let program = self.program.display().to_string();
        let mut child = quiet(Command::new(&self.program).args(args))
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| OcrError::Spawn { program: program.clone(), source })?;
        let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(OcrError::Failed { program, message: "its pipes could not be opened".into() });
        };
        let (out, err, status) = std::thread::scope(|scope| {
            scope.spawn(move || {
                let _ = stdin.write_all(input);
            });
            let out = scope.spawn(move || {
                let mut s = Vec::new();
                let _ = stdout.read_to_end(&mut s);
                s
            });
            let err = scope.spawn(move || {
                let mut s = Vec::new();
                let _ = stderr.read_to_end(&mut s);
                s
            });
            let deadline = Instant::now() + TIMEOUT;
            let status = loop {
                match child.try_wait() {
                    Ok(Some(status)) => break Some(status),
                    Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
                    _ => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break None;
                    }
                }
            };
            (out.join().unwrap_or_default(), err.join().unwrap_or_default(), status)
        });
        match status {
            None => Err(OcrError::TimedOut { program, seconds: TIMEOUT.as_secs() }),
            Some(s) if s.success() => Ok(String::from_utf8_lossy(&out).into_owned()),
            Some(s) => {
                let message = String::from_utf8_lossy(&err).lines().last().unwrap_or("").trim().to_string();
                Err(OcrError::Failed { program, message: format!("{s}: {message}") })
            }
        }
    }
}

/// No console window on Windows.
fn quiet(cmd: &mut Command) -> &mut Command {
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        cmd.creation_flags(CREATE_NO_WINDOW);
    }
    cmd
}

/// The word rows (level 5) of Tesseract's TSV output, in its order.
fn parse_tsv(tsv: &str) -> Vec<EngineWord> {
    tsv.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.splitn(12, '\t').collect();
            if f.len() < 12 || f[0] != "5" {
                return None;
            }
            let n = |i: usize| f[i].trim().parse::<u32>().ok();
            let text = f[11].trim();
            if text.is_empty() {
                return None;
            }
            Some(EngineWord {
                left: n(6)?,
                top: n(7)?,
                width: n(8)?,
                height: n(9)?,
                confidence: f[10].trim().parse::<f32>().ok()?,
                text: text.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_rows_are_read_from_the_tsv_and_the_rest_ignored() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t640\t480\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t36\t92\t180\t40\t96.5\tACME\n\
                   5\t1\t1\t1\t1\t2\t230\t92\t300\t40\t91.0\tHARDWARE\n\
                   5\t1\t1\t1\t1\t3\t10\t10\t5\t5\t95.0\t \n";
        let words = parse_tsv(tsv);
        assert_eq!(words.len(), 2);
        assert_eq!(
            words[0],
            EngineWord { text: "ACME".into(), left: 36, top: 92, width: 180, height: 40, confidence: 96.5 }
        );
    }

    #[test]
    fn a_missing_program_is_no_engine() {
        assert!(Tesseract::at(Path::new("/nonexistent/tesseract")).is_none());
    }
}
