#!/usr/bin/env python3
"""Report of the IOOS compliance-checker (cf:1.10 + acdd:1.3) on one file, for the CLI tests.

Usage: cf_report.py REPORT.json NAME KIND RC   (run by cf_check in tests/cli/lib.sh)

Prints every finding as ERROR / ACCEPT / WARN / NOTE and exits 1 on any CF ERROR, any
ACDD "Highly Recommended" finding not in the ACCEPT list of KIND, or a crashed check
(RC 2 or no report).  The ACCEPT lists hold the only high-priority findings that honest
metadata cannot remove: variables for which the CF standard name table has no name, and
units the input does not state.  A new product adds its KIND here, with the reasons.
"""
import json, re, sys
path, name, kind, rc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
P = r"(pm10|pm2p5|no2|o3|so2)_"
# ACDD "Highly Recommended" findings that honest metadata cannot remove:
# (variable regex, missing attribute, reason)
ACCEPT = {
    "env": [
        (P + r"(p_exceed|p_breach)", "standard_name",
         "the CF standard name table (v93) has no name for a probability of exceeding an air-quality limit"),
        (P + r"exceed_days_(observed|expected)", "standard_name",
         "the CF standard name table has no name for a count of days above an air-quality limit"),
        (P + r"(alpha|beta|gamma|phi|sigma2|aicc)", "standard_name",
         "ETS model parameters are not geophysical quantities: no CF standard name"),
        (P + r"sigma2", "units",
         "the unit depends on each station's model: (ug m-3)^2 for additive, 1 for multiplicative errors (see comment)"),
        (P + r"boxcox_lambda", "standard_name",
         "the Box-Cox parameter of the transform a model was fitted on is not a geophysical quantity: no CF standard name"),
        (P + r"(p_trigger|province_max_p_breach)", "standard_name",
         "the CF standard name table has no name for a probability of a run of days above an air-quality limit"),
        (P + r"(consecutive_days_observed|consecutive_days_forecast|annual_valid_days|province_stations_at_risk)"
         r"|o3_hours_over_(information|alert)", "standard_name",
         "the CF standard name table has no name for counts of days, hours or stations above an air-quality limit"),
    ],
    "forecast": [
        (r"forecast|lower|upper|observed|fitted", "standard_name",
         "the input CSV (series_id,time,value) does not say which quantity it holds"),
        (r"forecast|lower|upper|observed|fitted", "units",
         "the input CSV states no units: values are in the input's units (see comment)"),
        (r"backtest_(mase|smape|coverage|series_mase|series_smape|n_points|mase_overall|smape_overall|coverage_overall)",
         "standard_name",
         "forecast-accuracy statistics of the backtest (MASE, sMAPE, interval coverage, counts of compared values): "
         "the CF standard name table (v93) has no names for them"),
        (r"alpha|beta|gamma|phi|sigma2|loglik|aicc", "standard_name",
         "ETS model parameters are not geophysical quantities: no CF standard name"),
        (r"sigma2", "units", "squared input units for additive, 1 for multiplicative errors"),
        (r"boxcox_lambda", "standard_name",
         "the Box-Cox parameter of the transform a model was fitted on is not a geophysical quantity: no CF standard name"),
        (r"n_obs|step|step_months|season", "standard_name",
         "per-series bookkeeping (observation count, grid step, seasonal period): no CF standard name"),
    ],
    "waitlist": [
        (r"count(_[a-z_]+)?_(week|month)|share_ex_(ante|post)_(week|month)|wait_(median|p90)_(week|month)|limit|target",
         "standard_name",
         "the CF standard name table (v93) has no names for health-service bookings, compliance shares or waits"),
        (r"(demand|risk|alloc|nhsr|sdc|agenda)_.*", "standard_name",
         "forecasts of bookings, queue-risk probabilities, slots and disclosure-control flags: no CF standard name"),
        (r"area_parent|week_month|forecast_step|risk_step", "standard_name",
         "index variables tying areas, weeks, forecast steps and risk weeks together: no CF standard name"),
    ],
    "queue": [
        (r"wait_(mean|mean_se|sd|quantile|quantile_se)|replication_wait_mean", "standard_name",
         "the CF standard name table (v93) has no name for a waiting time in a queue"),
        (r"p_wait(_se|_gt|_gt_se)?", "standard_name",
         "the CF standard name table has no name for a probability of waiting"),
        (r"customers|unserved|replications_counted|replication_customers", "standard_name",
         "counts of simulated customers and replications: no CF standard name"),
        (r"arrival_rate|service_mean|service_cv|shift_end|shift_servers", "standard_name",
         "parameters of the queueing model (rates, service times, servers on duty): no CF standard name"),
    ],
    "evt": [
        (r"(location|scale|shape)(_se)?|(location_scale|location_shape|scale_shape)_covariance|"
         r"return_level(_se|_lower|_upper)?|negative_log_likelihood", "standard_name",
         "GEV parameters, their covariances and return levels are statistics of a fitted model: no CF standard name"),
        (r"block_maximum", "standard_name", "the input CSV (series_id,time,value) does not say which quantity it holds"),
        (r"n_blocks|block_values", "standard_name", "counts of blocks and values: no CF standard name"),
        (r"block_start", "standard_name",
         "times (units 'seconds since ...', calendar) of the first and last block on (first_last, series): no "
         "standard_name time, since compliance-checker 6.1's ACDD time-extent check crashes on a 2-D time variable "
         "in a file without a time axis (--block none); one variable, not two on series, so that CDO 2.1 does not "
         "take it for the file's time axis"),
        (r"location|location_se|scale|scale_se|(location_scale|location_shape|scale_shape)_covariance|"
         r"return_level(_se|_lower|_upper)?|block_maximum", "units",
         "the input CSV states no units and none were given with --units: values are in the input's units (comment)"),
    ],
    "sensors": [
        (r"(rms|peak)_acceleration|return_level(_lower|_upper)?|gev_(location|scale)(_se)?", "standard_name",
         "the CF standard name table (v93) has no name for the acceleration of a structure (only of the ground or a "
         "platform's motion in other terms)"),
        (r"modal_frequency|damping_ratio|track_frequency|gev_shape(_se)?", "standard_name",
         "modal parameters of a structure and GEV parameters: no CF standard name"),
        (r"novelty_(score|threshold|features)|control_chart|records_(analysed|scored|left_out)|gev_(blocks|status)",
         "standard_name", "health-monitoring statistics and counts: no CF standard name"),
        (r"quality_flags|alert_level|alert_reason|alert_condition", "standard_name",
         "flags of the analysis (quality bits, alert levels and their reasons): no CF standard name"),
        (r"quality_flags|alert_level|alert_reason|alert_condition|gev_status", "units", "flags and text carry no units"),
    ],
    "sensors_detail": [  # regia sensors [job] detail: per-record internals of the same run
        (r"(channel|record)_(rms|peak)|psd|csd_s1", "standard_name",
         "the CF standard name table (v93) has no name for the acceleration of a structure or its spectra"),
        (r"(mode|pole)_(frequency|frequency_std|damping|damping_std|mac_spread|mpc|mpd|shape)|fdd_frequency|"
         r"spectrum_frequency|structure_sampling_rate", "standard_name",
         "modal parameters of a structure, the frequencies of spectral lines and sampling rates: no CF standard name"),
        (r"mode_(poles|track|number)|pole_(order|mode)|summary_track|tracks|track_events|record_structure|"
         r"structure_channels|record_channels_used", "standard_name",
         "model orders, counts and indices into the structure, channel, mode and track dimensions: no CF standard "
         "name"),
        (r"novelty|novelty_threshold|control_chart|record_coverage|clock_offset", "standard_name",
         "health-monitoring statistics (Mahalanobis distance, share of samples present, a sensor's clock delay): no "
         "CF standard name"),
        (r"record_temperature", "standard_name",
         "the temperature channel of a structure's sensors (air, deck or bearing, as installed): air_temperature "
         "would claim more than the store says"),
        (r"model_temperature", "standard_name",
         "the temperature the environmental model uses (the measured one through a first-order thermal lag): a "
         "model quantity with no CF standard name"),
    ],
    "modal": [  # regia modal --output X.nc: operational modal analysis of one record
        (r"(mode|pole)_(frequency|frequency_std|damping|damping_std|mac_min|mac_mean|mpc|mpd|lambda|shape)|"
         r"fdd_(frequency|peak_frequency|peak_damping|peak_shape)", "standard_name",
         "modal parameters of a structure (natural frequencies, damping ratios, mode shapes, their spread and "
         "quality indices) and the frequencies of spectral lines: the CF standard name table (v93) has no names"),
        (r"hankel_singular_value|fdd_singular_value|fdd_peak_s1", "standard_name",
         "singular values of the Hankel matrix of output covariances and of cross-spectral density matrices: no CF "
         "standard name"),
        (r"hankel_singular_value|fdd_singular_value|fdd_peak_s1", "units",
         "the unit is the product of two channels' units (per Hz for spectra), and the channels of a record may "
         "state different units (channel_units) or none: no single unit holds"),
        (r"model_order|reference_channel|mode_n_poles|mode_order_(min|max)|pole_order|pole_mode", "standard_name",
         "model orders, counts of poles and indices into the channel and mode dimensions: no CF standard name"),
    ],
    "bookings": [  # regia ingest waitlist: booking records and their lookup tables
        (r"patient_pseudonym|prescription_pseudonym|prescription_line|catalogue|service|provider|agenda|"
         r"residence_district|provider_district|service_first|service_count|district_asl|district_population|"
         r"provider_home_district|agenda_provider|agenda_service|asl_districts", "standard_name",
         "booking records and their tables (pseudonyms, indices, counts, residents): no CF standard name"),
        (r"patient_pseudonym|prescription_pseudonym|prescription_line|catalogue|service|provider|agenda|"
         r"residence_district|provider_district|service_first|district_asl|provider_home_district|agenda_provider|"
         r"agenda_service", "units",
         "pseudonym bytes, line numbers, nomenclator years and indices into a dimension are labels: no unit"),
    ],
}
try:
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
except (OSError, ValueError) as e:
    print(f"FATAL {name}: the checker wrote no report ({e}); exit status {rc}")
    sys.exit(1)
bad = 0
if rc == 2:  # a check raised an exception: that part of the file went unchecked
    print(f"FATAL {name}: some checks crashed (see the checker's stderr above)")
    bad = 1
reports = {suite: r for ds in doc.values() for suite, r in ds.items()}
accepted = {}
for suite in ("cf:1.10", "acdd:1.3"):
    r = reports.get(suite)
    if not r or not r.get("possible_points"):
        print(f"FATAL {name}: no {suite} results in the report")
        bad = 1
        continue
    n = {"ERROR": 0, "ACCEPT": 0, "WARN ": 0, "NOTE ": 0}
    for key, level in (("high_priorities", "ERROR"), ("medium_priorities", "WARN "), ("low_priorities", "NOTE ")):
        for check in r.get(key, []):
            for msg in check.get("msgs", []):
                lv = level
                if level == "ERROR" and suite == "acdd:1.3":
                    m = re.fullmatch(r'variable "(.+)" missing the following attributes:', check["name"])
                    for rx, attr, why in ACCEPT.get(kind, []):
                        if m and msg == attr and re.fullmatch(rx, m.group(1)):
                            accepted.setdefault((attr, why), []).append(m.group(1))
                            lv = "ACCEPT"
                            break
                n[lv] += 1
                if lv != "ACCEPT":
                    print(f"{lv} {name} {suite}: {check['name']}: {msg}")
                bad |= lv == "ERROR"
    print(f"{name}: {suite} score {r['scored_points']}/{r['possible_points']}; findings: {n['ERROR']} error, "
          f"{n['ACCEPT']} accepted high, {n['WARN ']} medium, {n['NOTE ']} low")
for (attr, why), names in accepted.items():
    print(f"ACCEPT {name} acdd:1.3: {attr} missing on {', '.join(names)}: {why}")
sys.exit(bad)
