"""The scoring service: rubrics, score sheets, acceptance sampling plans and municipal spot-check draws."""
