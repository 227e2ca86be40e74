//! JSON form of `AdcParams`: the circuit-ADC fields appear only for the models
//! that use them, as in CrossSim's files, and a field that the chosen model
//! does not have is an error.

use super::converters::{AdcParams, CalibratedRange};
use super::enums::{AdcModel, AdcRangeOption};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every key an ADC section may hold, all optional.
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAdc {
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<AdcModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bits: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stochastic_rounding: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    adc_per_ibit: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    calibrated_range: Option<CalibratedRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    adc_range_option: Option<AdcRangeOption>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gain_db: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sigma_capacitor: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sigma_comparator: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    symmetric_cdac: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    split_cdac: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_size: Option<u32>,
    #[serde(rename = "sigma_C1", skip_serializing_if = "Option::is_none")]
    sigma_c1: Option<f64>,
    #[serde(rename = "sigma_C2", skip_serializing_if = "Option::is_none")]
    sigma_c2: Option<f64>,
    #[serde(rename = "sigma_Cpar", skip_serializing_if = "Option::is_none")]
    sigma_cpar: Option<f64>,
}

/// The model-specific keys of each ADC model.
pub fn model_keys(model: AdcModel) -> &'static [&'static str] {
    match model {
        AdcModel::Ideal | AdcModel::Quantizer | AdcModel::SignMagnitude => &[],
        AdcModel::Ramp => &["gain_db", "sigma_capacitor", "sigma_comparator", "symmetric_cdac"],
        AdcModel::Sar => &[
            "gain_db",
            "sigma_capacitor",
            "sigma_comparator",
            "split_cdac",
            "group_size",
        ],
        AdcModel::Pipeline | AdcModel::Cyclic => &[
            "gain_db",
            "sigma_C1",
            "sigma_C2",
            "sigma_Cpar",
            "sigma_comparator",
            "group_size",
        ],
    }
}

impl Serialize for AdcParams {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let keys = model_keys(self.model);
        let has = |k: &str| keys.contains(&k);
        let raw = RawAdc {
            model: Some(self.model),
            bits: Some(self.bits),
            signed: Some(self.signed),
            stochastic_rounding: Some(self.stochastic_rounding),
            adc_per_ibit: Some(self.adc_per_ibit),
            calibrated_range: Some(self.calibrated_range.clone()),
            adc_range_option: Some(self.adc_range_option),
            gain_db: has("gain_db").then_some(self.gain_db),
            sigma_capacitor: has("sigma_capacitor").then_some(self.sigma_capacitor),
            sigma_comparator: has("sigma_comparator").then_some(self.sigma_comparator),
            symmetric_cdac: has("symmetric_cdac").then_some(self.symmetric_cdac),
            split_cdac: has("split_cdac").then_some(self.split_cdac),
            group_size: has("group_size").then_some(self.group_size),
            sigma_c1: has("sigma_C1").then_some(self.sigma_c1),
            sigma_c2: has("sigma_C2").then_some(self.sigma_c2),
            sigma_cpar: has("sigma_Cpar").then_some(self.sigma_cpar),
        };
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for AdcParams {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawAdc::deserialize(d)?;
        let mut p = AdcParams::default();
        if let Some(m) = raw.model {
            p.model = m;
        }
        let keys = model_keys(p.model);
        let present: [(&str, bool); 9] = [
            ("gain_db", raw.gain_db.is_some()),
            ("sigma_capacitor", raw.sigma_capacitor.is_some()),
            ("sigma_comparator", raw.sigma_comparator.is_some()),
            ("symmetric_cdac", raw.symmetric_cdac.is_some()),
            ("split_cdac", raw.split_cdac.is_some()),
            ("group_size", raw.group_size.is_some()),
            ("sigma_C1", raw.sigma_c1.is_some()),
            ("sigma_C2", raw.sigma_c2.is_some()),
            ("sigma_Cpar", raw.sigma_cpar.is_some()),
        ];
        for (k, is_there) in present {
            if is_there && !keys.contains(&k) {
                return Err(D::Error::custom(format!(
                    "unknown field `{k}`: model \"{}\" has no such parameter",
                    p.model.name()
                )));
            }
        }
        macro_rules! take {
            ($($f:ident),*) => { $(if let Some(v) = raw.$f { p.$f = v; })* };
        }
        take!(
            bits,
            signed,
            stochastic_rounding,
            adc_per_ibit,
            calibrated_range,
            adc_range_option
        );
        take!(
            gain_db,
            sigma_capacitor,
            sigma_comparator,
            symmetric_cdac,
            split_cdac,
            group_size
        );
        take!(sigma_c1, sigma_c2, sigma_cpar);
        Ok(p)
    }
}
