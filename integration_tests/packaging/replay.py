"""Replay /Dockerfile's build into directories and virtualenvs, for machines without a Docker daemon.

The base image is emulated by a fresh virtualenv of the running interpreter (python-connector-base is
a Python 3.11 image whose interpreter and pip live under /usr/local), and the image paths the
Dockerfile touches are mapped onto host directories:

    /usr/local -> <stage dir>/usr-local   (a virtualenv: bin/python, bin/pip, site-packages)
    /airbyte   -> <stage dir>/airbyte

Every instruction then runs as Docker would run it: RUN through /bin/sh -c with ARGs and ENVs in the
environment and the stage's WORKDIR as cwd, COPY honouring .dockerignore, COPY --from reading the
other stage's directories. The result can run its entrypoint exactly the way the Airbyte platform
does (`eval "$AIRBYTE_ENTRYPOINT spec"`).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import venv
from dataclasses import dataclass, field
from pathlib import Path

from .dockerfile import (
    Dockerfile,
    Stage,
    parse_arg,
    parse_dockerfile,
    parse_exec_form,
    parse_pairs,
    substitute,
)
from .dockerignore import DockerIgnore

EMULATED_ROOTS = ("/usr/local", "/airbyte")
_IMAGE_PATH = re.compile(r"(?<![\w./-])(/usr/local|/airbyte)(?=[/\s\"']|$)")


class ReplayError(RuntimeError):
    pass


@dataclass
class ReplayedStage:
    directory: Path
    env: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    entrypoint: list[str] = field(default_factory=list)
    workdir: str = "/"

    def host_path(self, image_path: str) -> Path:
        for root in EMULATED_ROOTS:
            if image_path == root or image_path.startswith(root + "/"):
                mapped = self.directory / root.strip("/").replace("/", "-")
                return mapped / image_path[len(root) :].lstrip("/")
        raise ReplayError(f"the replay maps only {EMULATED_ROOTS}, not {image_path!r}")

    def host_text(self, text: str) -> str:
        """Rewrite image paths inside a shell command or an ENV value."""
        return _IMAGE_PATH.sub(lambda match: str(self.host_path(match.group(1))), text)

    def host_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({key: self.host_text(value) for key, value in self.env.items()})
        env["PATH"] = f"{self.host_path('/usr/local/bin')}{os.pathsep}{env.get('PATH', '')}"
        # The image's interpreter must not see the test runner's virtualenv.
        env.pop("VIRTUAL_ENV", None)
        env.pop("PYTHONPATH", None)
        return env

    def run_like_platform(self, *arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """What the platform's launcher does in the container: eval "$AIRBYTE_ENTRYPOINT <verb> ..."."""
        script = 'eval "$AIRBYTE_ENTRYPOINT \\"\\$@\\""'
        return subprocess.run(
            ["/bin/sh", "-c", script, "sh", *arguments],
            cwd=cwd,
            env=self.host_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def run_like_docker(self, *arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """What `docker run IMAGE <args>` does: exec the ENTRYPOINT array with the arguments."""
        command = [self.host_text(self.entrypoint[0]), *self.entrypoint[1:], *arguments]
        return subprocess.run(
            command, cwd=cwd, env=self.host_env(), capture_output=True, text=True, timeout=120
        )


class DockerfileReplay:
    """Builds images described by one Dockerfile; stages shared between images are built once."""

    def __init__(
        self,
        dockerfile: Path,
        context: Path,
        workspace: Path,
        expected_base: str | None = None,
    ) -> None:
        self.dockerfile: Dockerfile = parse_dockerfile(dockerfile)
        self.context = context
        self.ignore = DockerIgnore.load(context / ".dockerignore")
        self.workspace = workspace
        self.expected_base = expected_base
        self._built: dict[tuple[int, tuple[tuple[str, str], ...]], ReplayedStage] = {}

    def build(self, build_args: dict[str, str]) -> ReplayedStage:
        declared = set(self.dockerfile.global_args)
        for stage in self.dockerfile.stages:
            declared |= {
                next(iter(parse_arg(i.arguments))) for i in stage.instructions if i.keyword == "ARG"
            }
        unknown = set(build_args) - declared
        if unknown:
            raise ReplayError(f"build arguments not declared in the Dockerfile: {sorted(unknown)}")
        return self._build_stage(len(self.dockerfile.stages) - 1, build_args)

    def _global_args(self, build_args: dict[str, str]) -> dict[str, str]:
        values = {}
        for name, default in self.dockerfile.global_args.items():
            value = build_args.get(name, default)
            if value is not None:
                values[name] = value
        return values

    def _build_stage(self, index: int, build_args: dict[str, str]) -> ReplayedStage:
        stage = self.dockerfile.stages[index]
        # A stage's result depends only on the build args it declares (plus the global ones).
        relevant = self._global_args(build_args) | {
            name: build_args[name]
            for instruction in stage.instructions
            if instruction.keyword == "ARG"
            for name in parse_arg(instruction.arguments)
            if name in build_args
        }
        key = (index, tuple(sorted(relevant.items())))
        if key not in self._built:
            directory = self.workspace / f"stage{index}-{len(self._built)}"
            self._built[key] = self._replay(stage, directory, build_args)
        return self._built[key]

    def _replay(self, stage: Stage, directory: Path, build_args: dict[str, str]) -> ReplayedStage:
        global_args = self._global_args(build_args)
        base = substitute(stage.base, global_args)
        if self.expected_base is not None and base != self.expected_base:
            raise ReplayError(f"stage base {base!r} is not the emulated {self.expected_base!r}")
        result = ReplayedStage(directory=directory)
        venv.EnvBuilder(with_pip=True).create(result.host_path("/usr/local"))
        result.host_path("/airbyte").mkdir(parents=True, exist_ok=True)
        args: dict[str, str] = {}
        for instruction in stage.instructions:
            where = f"Dockerfile line {instruction.line}"
            variables = {**args, **result.env}
            if instruction.keyword == "ARG":
                for name, default in parse_arg(instruction.arguments).items():
                    value = build_args.get(name, default)
                    if value is None:
                        value = global_args.get(name)
                    if value is not None:
                        args[name] = value
            elif instruction.keyword == "WORKDIR":
                result.workdir = substitute(instruction.arguments, variables)
                result.host_path(result.workdir).mkdir(parents=True, exist_ok=True)
            elif instruction.keyword == "COPY":
                self._copy(result, substitute(instruction.arguments, variables), build_args)
            elif instruction.keyword == "RUN":
                self._run(result, instruction.arguments, args, where)
            elif instruction.keyword == "ENV":
                result.env.update(parse_pairs(substitute(instruction.arguments, variables)))
            elif instruction.keyword == "LABEL":
                result.labels.update(parse_pairs(substitute(instruction.arguments, variables)))
            elif instruction.keyword == "USER":
                result.user = substitute(instruction.arguments, variables)
            elif instruction.keyword == "ENTRYPOINT":
                result.entrypoint = parse_exec_form(instruction.arguments)
        return result

    def _resolve(self, stage: ReplayedStage, image_path: str) -> Path:
        if not image_path.startswith("/"):
            image_path = f"{stage.workdir.rstrip('/')}/{image_path}"
        return stage.host_path(os.path.normpath(image_path))

    def _copy(self, stage: ReplayedStage, arguments: str, build_args: dict[str, str]) -> None:
        tokens = shlex.split(arguments)
        source_stage: ReplayedStage | None = None
        while tokens and tokens[0].startswith("--"):
            flag, _, value = tokens.pop(0).partition("=")
            if flag != "--from":
                raise ReplayError(f"COPY flag {flag} is not replayable")
            index = next(i for i, s in enumerate(self.dockerfile.stages) if s.name == value)
            source_stage = self._build_stage(index, build_args)
        *sources, destination = tokens
        into_directory = destination.endswith("/") or len(sources) > 1
        target = self._resolve(stage, destination)
        for source in sources:
            if source_stage is None:
                origin = (self.context / source).resolve()
                if self.ignore.excludes(source):
                    raise ReplayError(f"COPY {source}: excluded by .dockerignore")
            else:
                origin = self._resolve(source_stage, source)
            if origin.is_dir():
                # Docker copies a directory's contents, not the directory itself.
                self._copy_tree(origin, target, source if source_stage is None else None)
            else:
                final = target / origin.name if into_directory else target
                final.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, final)

    def _copy_tree(self, origin: Path, target: Path, context_prefix: str | None) -> None:
        """Merge `origin` into `target` like a layer: existing entries are replaced, links kept."""
        for directory, subdirectories, files in os.walk(origin):
            relative = Path(directory).relative_to(origin)
            if context_prefix is not None:
                prefix = Path(context_prefix) / relative
                subdirectories[:] = [
                    name for name in subdirectories if not self.ignore.excludes(str(prefix / name))
                ]
                files = [name for name in files if not self.ignore.excludes(str(prefix / name))]
            (target / relative).mkdir(parents=True, exist_ok=True)
            for name in files + [d for d in subdirectories if (Path(directory) / d).is_symlink()]:
                _link_or_copy(Path(directory) / name, target / relative / name)

    def _run(self, stage: ReplayedStage, command: str, args: dict[str, str], where: str) -> None:
        env = stage.host_env() | args
        completed = subprocess.run(
            ["/bin/sh", "-c", stage.host_text(command)],
            cwd=stage.host_path(stage.workdir),
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if completed.returncode != 0:
            raise ReplayError(
                f"{where}: RUN exited {completed.returncode}\n"
                f"stdout tail: {completed.stdout[-2000:]}\nstderr tail: {completed.stderr[-4000:]}"
            )


def _link_or_copy(source: Path, destination: Path) -> None:
    """Hard-link files (a stage copy of a whole virtualenv then costs nothing); keep symlinks."""
    if destination.is_symlink() or destination.is_file():
        destination.unlink()
    if source.is_symlink():
        destination.symlink_to(os.readlink(source))
        return
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
