with

source as (

    select * from {{ source('ingest_audit', 'source_files') }}

),

renamed as (

    select

        ---------- ids
        source.sha256 as file_sha256,
        source.province_code,

        ---------- text
        source.path as source_file,
        source.kind as file_kind,
        source.status as file_status,

        ---------- numerics
        source.year as report_year,
        source.batch,

        ---------- lineage
        source.run_id as load_run_id

    from source

)

select * from renamed
