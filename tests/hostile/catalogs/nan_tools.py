"""An executable toolkit whose defaults and answers hold NaN and Infinity (sensors that fail)."""


class Sensors:
    """Temperature sensors of a lab; some have failed and read NaN or Infinity."""

    def __init__(self):
        self.sensors = {"s-1": 21.5, "s-2": float("inf"), "s-3": float("nan")}

    def list_sensors(self, site: str = "lab") -> dict:
        """List the sensors of a site.

        Args:
            site (str): Site name.

        Returns:
            sensors (list): Sensors, each with its sensor_id and last calibration offset.
        """
        return {"sensors": [{"sensor_id": k, "calibration": float("nan")} for k in sorted(self.sensors)]}

    def read_sensor(self, sensor_id: str, scale: float = float("nan")) -> dict:
        """Read the current temperature of a sensor.

        Args:
            sensor_id (str): Sensor to read.
            scale (float): Multiplier applied to the reading.

        Returns:
            sensor_id (str): The sensor read.
            value (float): Temperature in degrees Celsius.
        """
        if sensor_id not in self.sensors:
            return {"error": f"no sensor {sensor_id}"}
        return {"sensor_id": sensor_id, "value": self.sensors[sensor_id]}

    def recalibrate(self, sensor_id: str, offset: float = float("inf")) -> dict:
        """Recalibrate a sensor.

        Args:
            sensor_id (str): Sensor to recalibrate.
            offset (float): Offset to apply.

        Returns:
            sensor_id (str): The sensor recalibrated.
            drift (float): Drift measured before recalibration.
        """
        if sensor_id not in self.sensors:
            return {"error": f"no sensor {sensor_id}"}
        return {"sensor_id": sensor_id, "drift": float("-inf")}
