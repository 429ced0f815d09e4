#!/usr/bin/env bash
# One-shot initialisation of the evalwh deployment: the `airflow-init` service of
# docker-compose.yaml runs it as root, once, before every other Airflow service starts.
#
#   1. refuse to continue without the secrets (compose already refuses; this catches a
#      hand-run container) and check that the Fernet key is a real Fernet key;
#   2. warn when Docker has too little memory / CPU / disk (as the official compose does);
#   3. create the runtime directories (logs, warehouse) owned by ${AIRFLOW_UID}:0;
#   4. migrate the metadata database and create the admin user (the image's /entrypoint does
#      this because _AIRFLOW_DB_MIGRATE and _AIRFLOW_WWW_USER_CREATE are set);
#   5. create the single-slot pool that serialises DuckDB writers.
set -euo pipefail

: "${AIRFLOW_UID:?AIRFLOW_UID must be set (see .env.example)}"
: "${AIRFLOW__CORE__FERNET_KEY:?Fernet key missing (see .env.example)}"
: "${AIRFLOW__API_AUTH__JWT_SECRET:?JWT secret missing (see .env.example)}"
: "${AIRFLOW__API__SECRET_KEY:?API secret key missing (see .env.example)}"
: "${_AIRFLOW_WWW_USER_USERNAME:?admin user name missing (see .env.example)}"
: "${_AIRFLOW_WWW_USER_PASSWORD:?admin password missing (see .env.example)}"
EVALWH_AIRFLOW_POOL="${EVALWH_AIRFLOW_POOL:-evalwh_duckdb}"

if ! python -c 'import os
from cryptography.fernet import Fernet
Fernet(os.environ["AIRFLOW__CORE__FERNET_KEY"])' 2>/dev/null; then
    echo "ERROR: AIRFLOW_FERNET_KEY is not a valid Fernet key. Generate one with:" >&2
    echo "  python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'" >&2
    exit 1
fi
if (( ${#AIRFLOW__API_AUTH__JWT_SECRET} < 32 || ${#AIRFLOW__API__SECRET_KEY} < 32 )); then
    echo "ERROR: AIRFLOW_JWT_SECRET and AIRFLOW_API_SECRET_KEY need at least 32 characters" >&2
    echo "  (openssl rand -hex 32)." >&2
    exit 1
fi

# --- resources (warnings only, thresholds as in the official docker-compose.yaml) ---------
one_meg=1048576
mem_available=$(( $(getconf _PHYS_PAGES) * $(getconf PAGE_SIZE) / one_meg ))
cpus_available=$(grep -cE 'cpu[0-9]+' /proc/stat)
disk_available=$(df / | tail -1 | awk '{print $4}')
warning_resources="false"
if (( mem_available < 4000 )); then
    echo "WARNING: at least 4 GB of memory required for Docker; you have ${mem_available} MB."
    warning_resources="true"
fi
if (( cpus_available < 2 )); then
    echo "WARNING: at least 2 CPUs recommended; you have ${cpus_available}."
    warning_resources="true"
fi
if (( disk_available < one_meg * 10 )); then
    echo "WARNING: at least 10 GB of disk recommended; you have $(( disk_available / 1024 )) MB."
    warning_resources="true"
fi
if [[ "${warning_resources}" == "true" ]]; then
    echo "WARNING: not enough resources to run Airflow comfortably (see above)."
fi

# --- runtime directories ------------------------------------------------------------------
# dags/, dbt_project/, expectations/ and raw/ are the repository's own directories and are
# left alone; only the directories the containers write are created and handed over.
mkdir -v -p /opt/airflow/logs "${EVALWH_WAREHOUSE_DIR:-/opt/evalwh/warehouse}"
chown -R "${AIRFLOW_UID}:0" /opt/airflow/logs "${EVALWH_WAREHOUSE_DIR:-/opt/evalwh/warehouse}"
chmod -R g+rwX /opt/airflow/logs "${EVALWH_WAREHOUSE_DIR:-/opt/evalwh/warehouse}"

# --- metadata database + admin user (done by the image entrypoint) -------------------------
echo "Airflow version:"
/entrypoint airflow version

# --- serialise DuckDB writers ---------------------------------------------------------------
airflow pools set "${EVALWH_AIRFLOW_POOL}" 1 \
    "evalwh: DuckDB allows one writer per file; every task that writes the warehouse uses this pool"

# Anything airflow wrote as root under the shared directories goes back to AIRFLOW_UID.
chown -R "${AIRFLOW_UID}:0" /opt/airflow/logs
echo "evalwh: initialisation complete."
