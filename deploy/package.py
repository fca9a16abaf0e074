"""Build the Lambda package: `zappa package <stage>` offline, from a venv holding only
requirements.txt, then recompile its bytecode so Lambda uses it as is.

Why recompile: Zappa zips files with 1980 timestamps, so every timestamp-checked .pyc in its
zip is judged stale and a cold start compiles ~440 modules again (measured: 1.3 s against
0.5 s). `compileall --invalidation-mode unchecked-hash` writes .pyc files Python trusts
without looking at the source's date.

The stage's Zappa settings: the generated zappa_settings.json when `make deploy` passes it,
else generated here from stages.toml alone (no stacks needed: packaging stays offline).

Usage: python deploy/package.py [stage] [--output build/blog-<stage>.zip]
Deploy the result with `make deploy STAGE=<stage>` (or `zappa update <stage> -z <zip>`)."""

import argparse
import compileall
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_VENV = ROOT / ".venv-lambda"
# Zip entries get one fixed date: the bytecode no longer depends on it, and the same tree
# gives the same zip.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def _venv_python():
    return LAMBDA_VENV / "bin" / "python"


def ensure_lambda_venv():
    """A venv with exactly what goes to Lambda (requirements.txt), built with this Python,
    which must be 3.12 like the Lambda runtime so the wheels match."""
    if sys.version_info[:2] != (3, 12):
        sys.exit(f"deploy/package.py needs Python 3.12 (the Lambda runtime), not {sys.version.split()[0]}")
    stamp = LAMBDA_VENV / ".installed"
    requirements = ROOT / "requirements.txt"
    if stamp.exists() and stamp.stat().st_mtime >= requirements.stat().st_mtime:
        return
    if not _venv_python().exists():
        subprocess.run([sys.executable, "-m", "venv", str(LAMBDA_VENV)], check=True)
    subprocess.run(
        [str(_venv_python()), "-m", "pip", "install", "--quiet", "-r", str(requirements)], check=True
    )
    stamp.touch()


def offline_settings(stage, folder):
    """A settings file for `zappa package` made from stages.toml without stack outputs."""
    from deploy.settings import write, zappa_settings

    path = Path(folder) / "zappa_settings.json"
    write(stage, zappa_settings(stage, {}, complete=False), path)
    return path


def zappa_package(stage, output, settings_file):
    env = {
        **os.environ,
        "VIRTUAL_ENV": str(LAMBDA_VENV),
        "PATH": f"{LAMBDA_VENV / 'bin'}:{os.environ.get('PATH', '')}",
        # `zappa package` needs a region to build its settings, not credentials.
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-west-1"),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(LAMBDA_VENV / "bin" / "zappa"), "package", stage, "-o", str(output), "-s", str(settings_file)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


NOT_PRECOMPILED = re.compile(r"[/\\]pygments[/\\]lexers[/\\]")


def recompile(zip_path):
    """Unpack, write unchecked-hash bytecode for every module, and zip it again."""
    with tempfile.TemporaryDirectory(prefix="blog-package-") as tmp:
        tree = Path(tmp) / "tree"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(tree)
        for cache in tree.rglob("__pycache__"):
            shutil.rmtree(cache)
        # Zappa's build stamp (a random id and the time; nothing reads it) would make every
        # build differ, and a rebuild of the same tree look like new code to Lambda.
        (tree / "package_info.json").unlink(missing_ok=True)
        compileall.compile_dir(
            tree,
            # Pygments' ~600 lexer modules: only the admin's save imports one, for one fenced
            # block's language, so compiling it then costs less than shipping them all (~1.3 MB).
            rx=NOT_PRECOMPILED,
            quiet=2,
            workers=0,
            # Tracebacks name the files where Lambda has them, and the bytecode does not carry
            # this temporary folder's name: the same tree always gives the same zip.
            stripdir=str(tree),
            prependdir="/var/task",
            invalidation_mode=compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        rebuilt = zip_path.with_suffix(".tmp")
        with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for path in sorted(p for p in tree.rglob("*") if p.is_file()):
                info = zipfile.ZipInfo(str(path.relative_to(tree)), date_time=ZIP_DATE)
                info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
        rebuilt.replace(zip_path)


def unzipped_size(zip_path):
    with zipfile.ZipFile(zip_path) as archive:
        return sum(info.file_size for info in archive.infolist())


def build(stage="dev", output=None, settings_file=None):
    output = Path(output or ROOT / "build" / f"blog-{stage}.zip")
    ensure_lambda_venv()
    with tempfile.TemporaryDirectory(prefix="blog-settings-") as folder:
        zappa_package(stage, output, settings_file or offline_settings(stage, folder))
    recompile(output)
    return output


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", nargs="?", default="dev")
    parser.add_argument("--output")
    args = parser.parse_args()
    output = build(args.stage, args.output)
    print(
        f"Package: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output} "
        f"({output.stat().st_size / 2**20:.1f} MiB zipped, {unzipped_size(output) / 2**20:.1f} MiB unzipped)"
    )
    print(f"Deploy with: make deploy STAGE={args.stage} (or zappa update {args.stage} -z {output})")


if __name__ == "__main__":
    main()
