# One image for every service: its console script `zdz-<service>` (or `python -m zdz_<service>`).
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY . .
# The project's packages as built wheels (not editable): the generated code, the shared libraries and every
# folder under services/, with the pinned setuptools from requirements.txt and no dependency resolution
# (the pinned set is installed above); `pip check` proves nothing is missing.
RUN python scripts/gen_protos.py \
 && pip install --no-cache-dir --no-deps --no-build-isolation ./gen ./libs ./services/* \
 && pip check
USER 10001
