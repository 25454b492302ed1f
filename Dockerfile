# One image for every service: `python -m zdz_<service>`.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY . .
RUN python scripts/gen_protos.py && python scripts/link_paths.py
USER 10001
