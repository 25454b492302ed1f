"""The workflow service: each unit's 污水零直排区 process, its deadlines and the working-day calendar."""
