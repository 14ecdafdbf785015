"""The napari launcher's source (Sources/OmioEngine/Napari/launcher.py) compiles and pyflakes finds
nothing in it. The binary embeds it as LauncherTemplate.swift; NapariTests checks they are equal."""
import importlib.util
import os
import py_compile
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.path.join(os.path.dirname(os.path.dirname(HERE)), "Sources", "OmioEngine", "Napari", "launcher.py")


def main():
    # Compiled into a scratch folder: no __pycache__ in the source tree.
    with tempfile.TemporaryDirectory() as scratch:
        try:
            py_compile.compile(LAUNCHER, cfile=os.path.join(scratch, "launcher.pyc"), doraise=True)
        except py_compile.PyCompileError as e:
            print(f"check_launcher: FAIL: {e.msg}")
            return 1
    print(f"check_launcher: py_compile {os.path.basename(LAUNCHER)} with Python {sys.version.split()[0]}: ok")
    if importlib.util.find_spec("pyflakes") is None:
        print("check_launcher: pyflakes SKIPPED: not installed in this venv (scripts/make-venv.sh installs it)")
        return 0
    r = subprocess.run([sys.executable, "-m", "pyflakes", LAUNCHER], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"check_launcher: FAIL: pyflakes:\n{r.stdout}{r.stderr}")
        return 1
    print("check_launcher: pyflakes: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
